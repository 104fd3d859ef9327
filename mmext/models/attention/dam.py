# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Dual attention mechanism (DAM) of HSNet (IEEE Transactions on Systems, Man, and Cybernetics, 2024).

Used by SERSegFormer after the dilation-based bridge (:class:`DbN`). Channel attention re-weights channels by
``sigmoid(MLP(avg_pool(x)) + MLP(max_pool(x)))`` with one MLP shared by both pooled descriptors; spatial
attention then re-weights positions by ``sigmoid(conv_kxk(cat(mean_c(x), max_c(x))))``.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class DAM(nn.Module):
    """Channel attention followed by spatial attention; output has the shape of the input.

    Args:
        channels: input channels.
        reduction: hidden width of the channel MLP is ``max(channels // reduction, 1)``.
        spatial_kernel: kernel size of the spatial-attention conv (padding ``spatial_kernel // 2``).
        enabled: ``False`` makes the module an identity without parameters (for ablations).
    """

    def __init__(self, channels: int, reduction: int = 16, spatial_kernel: int = 7, enabled: bool = True):
        super().__init__()
        self.channels = channels
        self.enabled = enabled
        if not enabled:
            return
        hidden = max(channels // reduction, 1)
        # Bias-free like the usual CBAM-style attention: the sigmoid needs no learned offset to be useful.
        self.channel_mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1, bias=False),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1, bias=False),
        )
        self.spatial_conv = nn.Conv2d(2, 1, spatial_kernel, padding=spatial_kernel // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        if not self.enabled:
            return x
        channel_att = torch.sigmoid(
            self.channel_mlp(F.adaptive_avg_pool2d(x, 1)) + self.channel_mlp(F.adaptive_max_pool2d(x, 1))
        )
        x = x * channel_att
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.spatial_conv(pooled))

    def extra_repr(self) -> str:
        return f'channels={self.channels}, enabled={self.enabled}'
