# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A segmentation data preprocessor for inputs with more than three channels."""

from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS


@MODELS.register_module()
class MultiChannelSegDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` for RGB + extra channels (pose, depth).

    mmseg's preprocessor converts BGR to RGB only for 3-channel inputs and silently skips it otherwise,
    which would feed a pretrained backbone BGR. Here the first three channels are converted and the
    extra channels left in place; ``mean`` and ``std`` need one entry per channel.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        if self.channel_conversion:
            inputs = [x[[2, 1, 0, *range(3, x.size(0))]] if x.size(0) > 3 else x for x in data['inputs']]
            data = dict(data, inputs=inputs)
        num_channels = {x.size(0) for x in data['inputs']}
        if self._enable_normalize and num_channels != {self.mean.numel()}:
            raise ValueError(
                f'inputs have {sorted(num_channels)} channels but mean/std have {self.mean.numel()} entries'
            )
        return super().forward(data, training)
