# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""TopFormer's SimpleHead: sum the decoded scales at the finest one, 1x1 conv block, classifier."""

from typing import List

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class TopFormerHead(BaseDecodeHead):
    """Decode head of TopFormer (the official ``SimpleHead``).

    Every selected input is upsampled bilinearly to the first (finest) input and summed; a 1x1
    ConvModule (depthwise when ``is_dw=True``, as in TopFormer-T), dropout and a 1x1 classifier follow.
    All inputs must already have ``channels`` channels (the backbone's SIMs project them).

    Args:
        is_dw: use a depthwise 1x1 fusion conv.
        **kwargs: :class:`BaseDecodeHead` arguments; ``input_transform`` defaults to 'multiple_select'.
    """

    def __init__(self, is_dw: bool = False, **kwargs):
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(**kwargs)
        in_channels = self.in_channels if isinstance(self.in_channels, (list, tuple)) else [self.in_channels]
        if any(c != self.channels for c in in_channels):
            raise ValueError(
                f'TopFormerHead sums its inputs, so in_channels {in_channels} must all equal channels={self.channels}'
            )
        self.linear_fuse = ConvModule(
            self.channels,
            self.channels,
            kernel_size=1,
            groups=self.channels if is_dw else 1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )

    def forward(self, inputs: List[Tensor]) -> Tensor:
        features = self._transform_inputs(inputs)
        fused = features[0]
        for feature in features[1:]:
            fused = fused + F.interpolate(
                feature, size=fused.shape[2:], mode='bilinear', align_corners=self.align_corners
            )
        return self.cls_seg(self.linear_fuse(fused))
