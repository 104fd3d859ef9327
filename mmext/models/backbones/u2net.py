# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""U^2-Net: going deeper with nested U-structure for salient object detection (Qin et al., PR 2020).

Building block: the residual U-block RSU-L. An input conv (``rebnconvin``) maps the input to the block's
output width; a small U-Net of height L (``rebnconv1`` .. ``rebnconv{L}`` down, 2x2 max-pooling between
the first L-1 encoder levels, a dilation-2 conv at the bottom, ``rebnconv{L-1}d`` .. ``rebnconv1d`` up,
each decoder conv taking [upsampled deeper decoder output, encoder skip]) refines it, and its output is
added back (residual). RSU-4F replaces pooling/upsampling by growing dilations (1, 2, 4, 8) so that the
low-resolution stages keep their size.

The network is itself a U-Net of six RSU stages (``stage1`` .. ``stage6``, max-pooling between them) and
five decoder stages (``stage5d`` .. ``stage1d``, each on [upsampled deeper output, encoder skip]). A 3x3
conv per decoder stage (and on ``stage6``) gives the side outputs d1..d6, upsampled to the input size;
``outconv``, a 1x1 conv over their concatenation, gives the fused output d0.

Module names (``stage*``, ``rebnconv*``, ``conv_s1``/``bn_s1``, ``side*``, ``outconv``) equal those of the
official implementation, so its checkpoints -- e.g. the 4-class cloth-segmentation model, once the
DistributedDataParallel ``module.`` prefix is removed -- load with ``strict=True``;
``tools/model_converters/u2net2mmext.py`` writes them as mmext segmentor checkpoints.
"""

from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from .pretrained_stem import PretrainedStemMixin

# Stage settings: (block, height, in channels, mid channels, out channels), in forward order. 'F' blocks
# are RSU-4F (dilated, no resampling). The input channels of stage1 are replaced by ``in_channels``.
ARCH_SETTINGS: Dict[str, dict] = {
    'full': dict(  # U2NET, 44.0 M parameters with 4 classes
        encoder=[
            ('RSU', 7, 3, 32, 64),
            ('RSU', 6, 64, 32, 128),
            ('RSU', 5, 128, 64, 256),
            ('RSU', 4, 256, 128, 512),
            ('RSU4F', 4, 512, 256, 512),
            ('RSU4F', 4, 512, 256, 512),
        ],
        decoder=[
            ('RSU4F', 4, 1024, 256, 512),
            ('RSU', 4, 1024, 128, 256),
            ('RSU', 5, 512, 64, 128),
            ('RSU', 6, 256, 32, 64),
            ('RSU', 7, 128, 16, 64),
        ],
    ),
    'small': dict(  # U2NETP, 1.1 M parameters
        encoder=[
            ('RSU', 7, 3, 16, 64),
            ('RSU', 6, 64, 16, 64),
            ('RSU', 5, 64, 16, 64),
            ('RSU', 4, 64, 16, 64),
            ('RSU4F', 4, 64, 16, 64),
            ('RSU4F', 4, 64, 16, 64),
        ],
        decoder=[
            ('RSU4F', 4, 128, 16, 64),
            ('RSU', 4, 128, 16, 64),
            ('RSU', 5, 128, 16, 64),
            ('RSU', 6, 128, 16, 64),
            ('RSU', 7, 128, 16, 64),
        ],
    ),
}


def upsample_to(x: Tensor, reference: Tensor) -> Tensor:
    """Bilinear resize of ``x`` to the spatial size of ``reference`` (half-pixel centres)."""
    if x.shape[2:] == reference.shape[2:]:
        return x
    return F.interpolate(x, size=reference.shape[2:], mode='bilinear', align_corners=False)


def downsample(x: Tensor) -> Tensor:
    """2x2 max-pooling, stride 2, rounding odd sizes up (so every size survives any number of levels)."""
    return F.max_pool2d(x, kernel_size=2, stride=2, ceil_mode=True)


class REBNConv(nn.Module):
    """3x3 conv (with bias, 'same' padding at any dilation) -> norm -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, dilation: int = 1, norm_cfg: dict = dict(type='BN')):
        super().__init__()
        self.conv_s1 = nn.Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation)
        self.bn_s1 = build_norm_layer(norm_cfg, out_channels)[1]
        self.relu_s1 = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu_s1(self.bn_s1(self.conv_s1(x)))


class RSU(nn.Module):
    """Residual U-block of height ``height`` (RSU-7 .. RSU-4), or RSU-4F when ``dilated``.

    Encoder level i (1-based) is ``rebnconv{i}``; the deepest level ``rebnconv{height}`` is dilated. With
    ``dilated=False`` the first ``height - 2`` encoder levels are followed by max-pooling and the decoder
    upsamples back; with ``dilated=True`` (RSU-4F) the levels use dilations 1, 2, 4, ... at full size.
    """

    def __init__(
        self,
        height: int,
        in_channels: int,
        mid_channels: int,
        out_channels: int,
        dilated: bool = False,
        norm_cfg: dict = dict(type='BN'),
    ):
        super().__init__()
        if height < 2:
            raise ValueError(f'RSU height must be >= 2, got {height}')
        self.height = height
        self.dilated = dilated
        if dilated:
            dilations = [2**i for i in range(height)]  # 1, 2, 4, 8 for RSU-4F
        else:
            dilations = [1] * (height - 1) + [2]
        self.rebnconvin = REBNConv(in_channels, out_channels, 1, norm_cfg)
        for level in range(1, height + 1):
            in_ch = out_channels if level == 1 else mid_channels
            self.add_module(f'rebnconv{level}', REBNConv(in_ch, mid_channels, dilations[level - 1], norm_cfg))
        for level in range(height - 1, 0, -1):
            out_ch = out_channels if level == 1 else mid_channels
            self.add_module(f'rebnconv{level}d', REBNConv(2 * mid_channels, out_ch, dilations[level - 1], norm_cfg))

    def forward(self, x: Tensor) -> Tensor:
        residual = self.rebnconvin(x)
        skips = []
        feature = residual
        for level in range(1, self.height):
            if level > 1 and not self.dilated:
                feature = downsample(feature)
            feature = getattr(self, f'rebnconv{level}')(feature)
            skips.append(feature)
        feature = getattr(self, f'rebnconv{self.height}')(feature)
        for level in range(self.height - 1, 0, -1):
            skip = skips[level - 1]
            feature = getattr(self, f'rebnconv{level}d')(torch.cat([upsample_to(feature, skip), skip], dim=1))
        return feature + residual


@MODELS.register_module()
class U2Net(PretrainedStemMixin, BaseModule):
    """U^2-Net as backbone and head in one: returns the side-output logits of the official model.

    Args:
        arch: 'full' (U2NET) or 'small' (U2NETP), or a dict with ``encoder`` (six stages) and ``decoder``
            (five stages) lists of ``(block, height, in, mid, out)`` as in :data:`ARCH_SETTINGS`.
        in_channels: input channels (3 for RGB; more with pose / depth channels).
        num_classes: channels of every side output (the cloth model has 4).
        extra_in_channels_init: how a 3-channel checkpoint fills the first conv's weights of the extra
            input channels when ``in_channels > 3``: 'zeros' (outputs then equal the RGB model's) or
            'rgb_mean'; see :func:`mmext.models.utils.expand_input_conv_weight`.
        norm_cfg: norm layer of every conv block (BatchNorm in the official model).
        init_cfg: ``dict(type='Pretrained', checkpoint=<local path>)`` loads an official checkpoint
            (``module.`` prefix stripped) or an mmext segmentor checkpoint (``backbone.`` prefix
            detected); side/fused convs of another ``num_classes`` stay initialised. None: PyTorch's
            default initialisation, as in the official training.

    ``forward(x)`` returns ``[d0, d1, ..., d6]``: raw logits (no sigmoid or softmax) with ``num_classes``
    channels at the input size; d0 is the fused output used for inference.
    """

    stem_weight_keys = ('stage1.rebnconvin.conv_s1.weight',)

    def __init__(
        self,
        arch='full',
        in_channels: int = 3,
        num_classes: int = 4,
        extra_in_channels_init: str = 'zeros',
        norm_cfg: dict = dict(type='BN', requires_grad=True),
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in ARCH_SETTINGS:
                raise ValueError(f'Unknown U2Net arch {arch!r}; choose from {sorted(ARCH_SETTINGS)} or pass a dict')
            arch = ARCH_SETTINGS[arch]
        encoder, decoder = self._check_arch(arch)
        self._init_input_channels(in_channels, extra_in_channels_init)
        self.num_classes = num_classes

        def block(setting: Sequence, in_ch: int) -> RSU:
            kind, height, _, mid, out = setting
            return RSU(height, in_ch, mid, out, dilated=kind == 'RSU4F', norm_cfg=norm_cfg)

        for i, setting in enumerate(encoder, start=1):
            self.add_module(f'stage{i}', block(setting, in_channels if i == 1 else setting[2]))
        for i, setting in zip(range(5, 0, -1), decoder):
            self.add_module(f'stage{i}d', block(setting, setting[2]))
        # Side i reads decoder stage i (stage6 itself for side 6).
        side_channels = [s[4] for s in reversed(decoder)] + [encoder[5][4]]
        for i, channels in enumerate(side_channels, start=1):
            self.add_module(f'side{i}', nn.Conv2d(channels, num_classes, 3, padding=1))
        self.outconv = nn.Conv2d(6 * num_classes, num_classes, 1)

    @staticmethod
    def _check_arch(arch: dict) -> Tuple[list, list]:
        encoder, decoder = list(arch.get('encoder', [])), list(arch.get('decoder', []))
        if len(encoder) != 6 or len(decoder) != 5:
            raise ValueError(
                f'A U2Net arch needs 6 encoder and 5 decoder stages, got {len(encoder)} and {len(decoder)}'
            )
        for i in range(1, 6):
            if encoder[i][2] != encoder[i - 1][4]:
                raise ValueError(
                    f'encoder stage{i + 1} takes {encoder[i][2]} channels but stage{i} gives {encoder[i - 1][4]}'
                )
        deeper = encoder[5][4]
        for j, setting in enumerate(decoder):
            skip = encoder[4 - j][4]
            if setting[2] != deeper + skip:
                raise ValueError(f'decoder stage{5 - j}d takes {setting[2]} channels but gets {deeper} + {skip}')
            deeper = setting[4]
        return encoder, decoder

    def forward(self, x: Tensor) -> List[Tensor]:
        encoded = []
        feature = x
        for i in range(1, 7):
            if i > 1:
                feature = downsample(feature)
            feature = getattr(self, f'stage{i}')(feature)
            encoded.append(feature)
        decoded = {6: feature}
        for i in range(5, 0, -1):
            skip = encoded[i - 1]
            feature = getattr(self, f'stage{i}d')(torch.cat([upsample_to(feature, skip), skip], dim=1))
            decoded[i] = feature
        sides = [upsample_to(getattr(self, f'side{i}')(decoded[i]), x) for i in range(1, 7)]
        fused = self.outconv(torch.cat(sides, dim=1))
        return [fused] + sides
