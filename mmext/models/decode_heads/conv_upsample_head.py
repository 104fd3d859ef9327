# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""SegFormer-style decoders that upsample stage by stage with convolutions (the conv-upsampling decoder of
SegFormer-B0 + conv decoder and SERSegFormer, the fast person/background study's models, docs/models.md).

``ConvUpsampleHead``: like mmseg's ``SegformerHead`` (project every stage to ``channels``, concatenate at
1/4, fuse with a 1x1 conv, classify), except that the coarser stages reach 1/4 by repeated (bilinear x2 +
conv block) steps instead of one interpolation, so the decoder learns how to upsample.

``SERSegFormerHead``: the same decoder with SERNet-Former's attention switched on (SERSegFormer):
attention-boosting gates on the conv blocks (AbG), a dilation-based bridge with channel compression and
dual attention on the deepest stage (DbN + DAM), and optionally attention-fusion (AfN) of each upsampled
deeper path with its skip feature instead of the concatenation.
"""

from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from ..attention import AfN, ConvBNAbG, DbN

BLOCK_TYPES = ('dw_separable', 'conv')


class UpsampleBlock(nn.Module):
    """Bilinear x2, then a conv block: depthwise 3x3 + pointwise 1x1 ('dw_separable') or a full 3x3 ('conv').

    The last conv's BN output passes through an attention-boosting gate when ``abg`` is set.
    """

    def __init__(self, channels: int, block_type: str, abg: bool, abg_mode: str, norm_cfg: dict, align_corners: bool):
        super().__init__()
        if block_type not in BLOCK_TYPES:
            raise ValueError(f'block_type must be one of {BLOCK_TYPES}, got {block_type!r}')
        self.align_corners = align_corners
        if block_type == 'dw_separable':
            self.depthwise = ConvModule(channels, channels, 3, padding=1, groups=channels, norm_cfg=norm_cfg)
            self.conv = ConvBNAbG(channels, channels, 1, abg_mode=abg_mode, abg=abg, norm_cfg=norm_cfg)
        else:
            self.depthwise = nn.Identity()
            self.conv = ConvBNAbG(channels, channels, 3, abg_mode=abg_mode, abg=abg, norm_cfg=norm_cfg)

    def forward(self, x: Tensor) -> Tensor:
        x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=self.align_corners)
        return self.conv(self.depthwise(x))


@MODELS.register_module()
class ConvUpsampleHead(BaseDecodeHead):
    """SegFormer decoder with learned, stage-by-stage upsampling.

    Inputs are the encoder stages at strides 4, 8, 16, 32 (``in_channels`` per stage).

    Args:
        block_type: 'dw_separable' (default, light) or 'conv' (full 3x3) upsampling blocks.
        abg: attention-boosting gate on every upsampling block.
        abg_mode: 'channel' (SERSegFormer: gate from pooled features) or 'element' (SERNet-Former).
        dbn: None, or ``DbN`` arguments (``dilations``, ``compress_channels``, ``dam``) for a bridge on the
            deepest stage (its output keeps the stage's channels).
        afn: fuse top-down with ``AfN`` (deep path upsampled by the blocks, gated with the skip) and
            classify the finest fused map, instead of SegFormer's concatenation of all stages.
        afn_cross_attention: let the skip features steer the AfN gates.
        **kwargs: :class:`BaseDecodeHead` arguments; ``input_transform`` defaults to 'multiple_select'.
    """

    def __init__(
        self,
        block_type: str = 'dw_separable',
        abg: bool = False,
        abg_mode: str = 'channel',
        dbn: Optional[dict] = None,
        afn: bool = False,
        afn_cross_attention: bool = False,
        **kwargs,
    ):
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(**kwargs)
        if len(self.in_channels) < 2:
            raise ValueError(f'{type(self).__name__} needs at least two stages, got in_channels={self.in_channels}')
        norm_cfg = self.norm_cfg or dict(type='BN')
        deepest = self.in_channels[-1]
        self.bridge = DbN(deepest, deepest, norm_cfg=norm_cfg, **dbn) if dbn is not None else None
        self.afn = afn

        def blocks(channels: int, steps: int) -> nn.Sequential:
            return nn.Sequential(
                *[
                    UpsampleBlock(channels, block_type, abg, abg_mode, norm_cfg, self.align_corners)
                    for _ in range(steps)
                ]
            )

        if afn:
            # Top-down: project the deepest stage, then per finer stage one upsampling step + AfN with its skip.
            self.deep_proj = ConvModule(deepest, self.channels, 1, norm_cfg=norm_cfg, act_cfg=self.act_cfg)
            self.ups = nn.ModuleList([blocks(self.channels, 1) for _ in self.in_channels[:-1]])
            self.fusions = nn.ModuleList(
                [
                    AfN(
                        self.channels,
                        skip,
                        self.channels,
                        gate=abg,
                        cross_attention=afn_cross_attention,
                        norm_cfg=norm_cfg,
                    )
                    for skip in self.in_channels[:-1]
                ]
            )
        else:
            # Stage i (stride 4 * 2**i) needs i upsampling steps to reach stride 4.
            self.ups = nn.ModuleList([blocks(c, i) for i, c in enumerate(self.in_channels)])
            self.projections = nn.ModuleList(
                [ConvModule(c, self.channels, 1, norm_cfg=norm_cfg, act_cfg=self.act_cfg) for c in self.in_channels]
            )
            self.fusion = ConvModule(
                self.channels * len(self.in_channels), self.channels, 1, norm_cfg=norm_cfg, act_cfg=self.act_cfg
            )

    def forward(self, inputs: List[Tensor]) -> Tensor:
        features = list(self._transform_inputs(inputs))
        if self.bridge is not None:
            features[-1] = self.bridge(features[-1])
        if self.afn:
            path = self.deep_proj(features[-1])
            for i in range(len(features) - 2, -1, -1):
                path = self.fusions[i](self.ups[i](path), features[i])
            return self.cls_seg(path)
        size = features[0].shape[2:]
        outputs = []
        for feature, up, projection in zip(features, self.ups, self.projections):
            feature = projection(up(feature))
            if feature.shape[2:] != size:  # odd input sizes: x2 steps can overshoot by a pixel
                feature = F.interpolate(feature, size=size, mode='bilinear', align_corners=self.align_corners)
            outputs.append(feature)
        return self.cls_seg(self.fusion(torch.cat(outputs, dim=1)))


@MODELS.register_module()
class SERSegFormerHead(ConvUpsampleHead):
    """SERSegFormer's decoder: ``ConvUpsampleHead`` with channel AbG and a DbN + DAM bridge on.

    Every switch stays configurable (``abg``, ``dbn``, ``afn``, ``afn_cross_attention``).
    """

    def __init__(
        self,
        abg: bool = True,
        abg_mode: str = 'channel',
        dbn: Optional[dict] = dict(dilations=(1, 2, 3), compress_channels=64, dam=True),
        **kwargs,
    ):
        super().__init__(abg=abg, abg_mode=abg_mode, dbn=dbn, **kwargs)
