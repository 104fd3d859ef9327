# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Attention-boosting gates (AbG) and module (AbM) of SERNet-Former.

Source: A. Erisen, "SERNet-Former: Semantic Segmentation by Efficient Residual Network with
Attention-Boosting Gates and Attention-Fusion Networks", arXiv 2401.15741, CVPRW 2024.

An AbG takes the batch-normalised output ``f`` of a conv block, turns it into a gate and adds the gated
feature to the block's residual path: ``out = r + sigmoid(g(f)) * f`` with ``g`` the identity (``'element'``,
one gate per activation) or a learned 1x1 conv on the global average of ``f`` (``'channel'``, one gate per
channel). :class:`ConvBNAbG` wraps conv -> BN -> AbG with ``r = ReLU(f)``; :class:`AbM` applies the same gate
to the fused multi-scale context of the encoder.
"""

from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmseg.registry import MODELS
from torch import Tensor

ABG_MODES = ('element', 'channel')


@MODELS.register_module()
class AbG(nn.Module):
    """Attention-boosting gate: ``(residual or feature) + sigmoid(g(feature)) * feature``.

    Args:
        channels: channels of ``feature``.
        mode: ``'element'`` gates every activation by its own sigmoid; ``'channel'`` gates every channel by
            ``sigmoid(conv1x1(global_avg_pool(feature)))`` (the channel-only variant SERSegFormer uses).
        enabled: ``False`` makes the gate an identity on ``residual`` (or ``feature``) with no parameters,
            for ablations that keep the surrounding architecture unchanged.
    """

    def __init__(self, channels: int, mode: str = 'element', enabled: bool = True):
        super().__init__()
        if mode not in ABG_MODES:
            raise ValueError(f'AbG mode must be one of {ABG_MODES}, got {mode!r}')
        self.channels = channels
        self.mode = mode
        self.enabled = enabled
        # Only the channel variant learns anything; a disabled gate must not add (unused) parameters.
        self.channel_conv = nn.Conv2d(channels, channels, 1) if enabled and mode == 'channel' else None

    def forward(self, feature: Tensor, residual: Optional[Tensor] = None, steer: Optional[Tensor] = None) -> Tensor:
        """``steer``: optional logits (broadcastable to ``feature``) added inside the sigmoid, so that another
        feature map can open or close the gate (AfN's cross-attention)."""
        base = feature if residual is None else residual
        if not self.enabled:
            return base
        return base + self.boost(feature, steer)

    def boost(self, feature: Tensor, steer: Optional[Tensor] = None) -> Tensor:
        """The gated feature ``sigmoid(g(feature) [+ steer]) * feature`` that the gate adds."""
        logits = feature if self.channel_conv is None else self.channel_conv(F.adaptive_avg_pool2d(feature, 1))
        if steer is not None:
            logits = logits + steer
        return torch.sigmoid(logits) * feature

    def extra_repr(self) -> str:
        return f'channels={self.channels}, mode={self.mode!r}, enabled={self.enabled}'


@MODELS.register_module()
class ConvBNAbG(nn.Module):
    """Conv -> BN -> ``f``; output ``ReLU(f) + sigmoid(g(f)) * f`` (see :class:`AbG`).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: conv kernel size; padding ``dilation * (kernel_size // 2)`` keeps the size at stride 1.
        stride: conv stride.
        dilation: conv dilation.
        abg_mode: :class:`AbG` mode.
        abg: ``False`` gives a plain conv-BN-ReLU (the gate becomes an identity without parameters).
        norm_cfg: normalisation config for :func:`mmcv.cnn.build_norm_layer` (e.g. ``SyncBN`` on clusters).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        dilation: int = 1,
        abg_mode: str = 'element',
        abg: bool = True,
        norm_cfg: dict = dict(type='BN'),
    ):
        super().__init__()
        # No conv bias: the BN shift right after it makes a bias redundant.
        self.conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=dilation * (kernel_size // 2),
            dilation=dilation,
            bias=False,
        )
        self.bn = build_norm_layer(norm_cfg, out_channels)[1]
        self.gate = AbG(out_channels, mode=abg_mode, enabled=abg)

    def forward(self, x: Tensor, steer: Optional[Tensor] = None) -> Tensor:
        f = self.bn(self.conv(x))
        return self.gate(f, residual=F.relu(f), steer=steer)


@MODELS.register_module()
class AbM(nn.Module):
    """Attention-boosting module on fused global context.

    Every feature is resized bilinearly to the size of ``features[0]``; the concatenation goes through a 1x1
    :class:`ConvBNAbG` (``fuse``), i.e. ``f = BN(conv1x1(cat))`` and output ``ReLU(f) + sigmoid(g(f)) * f``.

    Args:
        in_channels: channels of each input feature, in order.
        out_channels: output channels.
        mode: :class:`AbG` mode.
        enabled: ``False`` gives ``ReLU(BN(conv1x1(cat)))``.
        norm_cfg: normalisation config.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: int,
        mode: str = 'element',
        enabled: bool = True,
        norm_cfg: dict = dict(type='BN'),
    ):
        super().__init__()
        self.in_channels = list(in_channels)
        self.fuse = ConvBNAbG(
            sum(self.in_channels), out_channels, kernel_size=1, abg_mode=mode, abg=enabled, norm_cfg=norm_cfg
        )

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        if len(features) != len(self.in_channels):
            raise ValueError(
                f'AbM expects {len(self.in_channels)} features (in_channels={self.in_channels}), got {len(features)}'
            )
        size = features[0].shape[2:]
        resized = [
            x if x.shape[2:] == size else F.interpolate(x, size=size, mode='bilinear', align_corners=False)
            for x in features
        ]
        return self.fuse(torch.cat(resized, dim=1))
