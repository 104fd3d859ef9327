# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Dilation-based network (DbN) of SERNet-Former, a light ASPP-style bridge between encoder and decoder.

Source: A. Erisen, "SERNet-Former: Semantic Segmentation by Efficient Residual Network with
Attention-Boosting Gates and Attention-Fusion Networks", arXiv 2401.15741, CVPRW 2024; the optional DAM
after the fuse is the dual attention mechanism of HSNet (IEEE T-SMC 2024), as used by SERSegFormer.

Computes: optional 1x1 compression -> parallel dilated 3x3 conv-BN-ReLU branches (one per dilation, same
size) -> concatenation -> 1x1 conv-BN-ReLU fuse -> optional :class:`DAM`.
"""

from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.registry import MODELS
from torch import Tensor

from .dam import DAM


@MODELS.register_module()
class DbN(nn.Module):
    """Dilation-based network; output has ``out_channels`` channels and the input's spatial size.

    Every branch keeps the working width, ``compress_channels`` when given (so the compression is what makes
    the bridge light on wide encoders) and ``in_channels`` otherwise.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        dilations: one 3x3 branch per dilation (padding = dilation).
        compress_channels: if set, a 1x1 conv-BN-ReLU first reduces the input to this width.
        dam: apply :class:`DAM` to the fused output.
        norm_cfg: normalisation config.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        dilations: Sequence[int] = (1, 6, 12, 18),
        compress_channels: Optional[int] = None,
        dam: bool = False,
        norm_cfg: dict = dict(type='BN'),
    ):
        super().__init__()
        self.dilations = tuple(dilations)
        width = in_channels
        self.compress = None
        if compress_channels is not None:
            self.compress = ConvModule(in_channels, compress_channels, 1, norm_cfg=norm_cfg)
            width = compress_channels
        self.branches = nn.ModuleList(
            ConvModule(width, width, 3, padding=d, dilation=d, norm_cfg=norm_cfg) for d in self.dilations
        )
        self.fuse = ConvModule(width * len(self.dilations), out_channels, 1, norm_cfg=norm_cfg)
        self.dam = DAM(out_channels) if dam else None

    def forward(self, x: Tensor) -> Tensor:
        if self.compress is not None:
            x = self.compress(x)
        out = self.fuse(torch.cat([branch(x) for branch in self.branches], dim=1))
        return out if self.dam is None else self.dam(out)
