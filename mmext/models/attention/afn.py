# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Attention-fusion network (AfN) of SERNet-Former.

Source: A. Erisen, "SERNet-Former: Semantic Segmentation by Efficient Residual Network with
Attention-Boosting Gates and Attention-Fusion Networks", arXiv 2401.15741, CVPRW 2024.

One decoder stage: the deep feature is upsampled to the encoder skip's size, both are projected by 1x1
:class:`ConvBNAbG` blocks, optionally the skip projection steers the deep projection's attention-boosting gate
through spatial and channel attention (cross-attention), and the concatenation is fused by two 3x3
conv-BN-ReLU blocks.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.registry import MODELS
from torch import Tensor

from .abg import ConvBNAbG


@MODELS.register_module()
class AfN(nn.Module):
    """Attention-fusion network for one decoder stage; output is at ``skip``'s size with ``out_channels``.

    Steps: ``deep`` is resized bilinearly to ``skip``'s size; ``s = skip_proj(skip)`` and
    ``d = deep_proj(deep)`` (1x1 :class:`ConvBNAbG`, gated when ``gate``: ``d = ReLU(f) + sigmoid(f) * f``
    with ``f = BN(conv1x1(deep))``). With ``cross_attention`` the skip steers the deep path's gate:
    ``d = ReLU(f) + sigmoid(f + a + c) * f`` where ``a = conv1x1(s)`` is a one-channel spatial map and
    ``c = conv1x1(GAP(s))`` a per-channel term (logits), so the encoder detail opens the gate where and in
    which channels the skip responds; finally ``fuse(cat(d, s))`` with two 3x3 conv-BN-ReLU blocks.

    Args:
        deep_channels: channels of the deeper (coarser) decoder input.
        skip_channels: channels of the encoder skip connection.
        out_channels: output channels (also the width of both projections).
        gate: use attention-boosting gates in the projections; ``False`` gives conv-BN-ReLU projections.
        cross_attention: let the skip projection steer the deep projection's gate (needs ``gate``).
        norm_cfg: normalisation config.
    """

    def __init__(
        self,
        deep_channels: int,
        skip_channels: int,
        out_channels: int,
        gate: bool = True,
        cross_attention: bool = False,
        norm_cfg: dict = dict(type='BN'),
    ):
        super().__init__()
        if cross_attention and not gate:
            raise ValueError('AfN cross_attention steers the attention-boosting gate: it needs gate=True')
        self.cross_attention = cross_attention
        self.deep_proj = ConvBNAbG(deep_channels, out_channels, kernel_size=1, abg=gate, norm_cfg=norm_cfg)
        self.skip_proj = ConvBNAbG(skip_channels, out_channels, kernel_size=1, abg=gate, norm_cfg=norm_cfg)
        if cross_attention:
            self.spatial_att = nn.Conv2d(out_channels, 1, 1)
            self.channel_att = nn.Conv2d(out_channels, out_channels, 1)
        self.fuse = nn.Sequential(
            ConvModule(2 * out_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg),
            ConvModule(out_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg),
        )

    def forward(self, deep: Tensor, skip: Tensor) -> Tensor:
        if deep.shape[2:] != skip.shape[2:]:
            deep = F.interpolate(deep, size=skip.shape[2:], mode='bilinear', align_corners=False)
        skip = self.skip_proj(skip)
        steer = None
        if self.cross_attention:
            steer = self.spatial_att(skip) + self.channel_att(F.adaptive_avg_pool2d(skip, 1))
        deep = self.deep_proj(deep, steer=steer)
        return self.fuse(torch.cat([deep, skip], dim=1))
