# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""SERNet-Former's decoder (Erisen, arXiv 2401.15741): AbM context, DbN bridge, AfN fusion stage by stage.

The deepest encoder stage goes through the dilation-based bridge (DbN); the attention-boosting module (AbM)
adds global context fused from all stages at that resolution; attention-fusion networks (AfN) then merge
the path with each finer skip feature up to stride 4, where the classifier runs.
"""

from typing import List, Optional

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor, nn

from ..attention import AbM, AfN, DbN


@MODELS.register_module()
class SERNetFormerHead(BaseDecodeHead):
    """Decoder of SERNet-Former; inputs are the four encoder stages (strides 4, 8, 16, 32).

    Args:
        abm: add AbM's gated global context to the bridge output.
        dbn: ``DbN`` arguments (``dilations``, ``compress_channels``, ``dam``) of the bridge.
        afn_gate: gate the AfN paths (AbG); ``afn_cross_attention``: skip features steer the deep gates.
        **kwargs: :class:`BaseDecodeHead` arguments; ``input_transform`` defaults to 'multiple_select'.
    """

    def __init__(
        self,
        abm: bool = True,
        dbn: Optional[dict] = None,
        afn_gate: bool = True,
        afn_cross_attention: bool = False,
        **kwargs,
    ):
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(**kwargs)
        norm_cfg = self.norm_cfg or dict(type='BN')
        dbn = dict(dilations=(1, 2, 4, 6), compress_channels=self.channels, dam=False) if dbn is None else dbn
        deepest = self.in_channels[-1]
        self.bridge = DbN(deepest, self.channels, norm_cfg=norm_cfg, **dbn)
        # AbM reads the stages deepest first, so its output has the deepest stage's size.
        self.context = AbM(list(reversed(self.in_channels)), self.channels, norm_cfg=norm_cfg) if abm else None
        self.fusions = nn.ModuleList(
            [
                AfN(
                    self.channels,
                    skip,
                    self.channels,
                    gate=afn_gate,
                    cross_attention=afn_cross_attention,
                    norm_cfg=norm_cfg,
                )
                for skip in self.in_channels[:-1]
            ]
        )

    def forward(self, inputs: List[Tensor]) -> Tensor:
        features = self._transform_inputs(inputs)
        path = self.bridge(features[-1])
        if self.context is not None:
            path = path + self.context(list(reversed(features)))
        for i in range(len(features) - 2, -1, -1):
            path = self.fusions[i](path, features[i])
        return self.cls_seg(path)
