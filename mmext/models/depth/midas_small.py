# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""MiDaS v2.1 small: relative inverse depth from one image (Ranftl et al., TPAMI 2022).

EfficientNet-Lite3 encoder (timm's ``tf_efficientnet_lite3``: TensorFlow 'same' padding, BN eps 1e-3)
cut into four stages, and a RefineNet-style decoder: each stage is projected by a 3x3 conv, then fused
from coarse to fine by blocks of two residual conv units, x2 bilinear upsampling and a 1x1 conv; an
output head upsamples once more and regresses one non-negative channel.

Module names follow the official implementation (``pretrained.layer1..4``, ``scratch.*``), so the official
``midas_v21_small_256.pt`` loads with ``strict=True``.
"""

from typing import Dict, List, Optional

import cv2
import numpy as np
import timm
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...utils.pretrained import extract_state_dict, load_checkpoint_file
from .utils import group_by_size

# Channels of the four encoder stages of EfficientNet-Lite3 that the decoder reads.
LITE3_STAGE_CHANNELS = (32, 48, 136, 384)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
OFFICIAL_FILE = 'midas_v21_small_256.pt'


class ResidualConvUnit(nn.Module):
    """x + conv(act(conv(act(x)))) with 3x3 convs."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.activation = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(self.activation(self.conv1(self.activation(x))))


class FeatureFusionBlock(nn.Module):
    """Fuse a coarser path with a skip feature, upsample x2, project with a 1x1 conv."""

    def __init__(self, channels: int, out_channels: int, align_corners: bool = True):
        super().__init__()
        self.resConfUnit1 = ResidualConvUnit(channels)
        self.resConfUnit2 = ResidualConvUnit(channels)
        self.out_conv = nn.Conv2d(channels, out_channels, 1)
        self.align_corners = align_corners

    def forward(self, path: Tensor, skip: Optional[Tensor] = None) -> Tensor:
        if skip is not None:
            path = path + self.resConfUnit1(skip)
        path = self.resConfUnit2(path)
        path = F.interpolate(path, scale_factor=2, mode='bilinear', align_corners=self.align_corners)
        return self.out_conv(path)


class Upsample(nn.Module):
    """x2 bilinear upsampling as a module (it sits inside the output head)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)


@MODELS.register_module()
class MiDaSSmall(BaseModule):
    """MiDaS v2.1 small. Defaults are the official model (features 64, expanded decoder, non-negative).

    Args:
        features: decoder width at the finest level (doubled per coarser level when ``expand``).
        backbone: timm name of the encoder.
        non_negative: end with a ReLU (inverse depth is non-negative).
        expand: widen the decoder towards coarse levels (64, 128, 256, 512) as the official small model.
        align_corners: of the decoder's upsampling.
        weights: local path of the official ``midas_v21_small_256.pt`` (or a converted copy); loaded
            strictly when given. Nothing is downloaded.
        input_size: the bound of both sides of the network input in :meth:`estimate` (256 for this model).
    """

    def __init__(
        self,
        features: int = 64,
        backbone: str = 'tf_efficientnet_lite3',
        non_negative: bool = True,
        expand: bool = True,
        align_corners: bool = True,
        weights: Optional[str] = None,
        input_size: int = 256,
    ):
        super().__init__()
        self.input_size = input_size
        encoder = timm.create_model(backbone, pretrained=False)
        self.pretrained = nn.Module()
        # timm's bn1 applies the activation itself; the Identity keeps the official index of act1.
        self.pretrained.layer1 = nn.Sequential(encoder.conv_stem, encoder.bn1, nn.Identity(), *encoder.blocks[0:2])
        self.pretrained.layer2 = nn.Sequential(*encoder.blocks[2:3])
        self.pretrained.layer3 = nn.Sequential(*encoder.blocks[3:5])
        self.pretrained.layer4 = nn.Sequential(*encoder.blocks[5:7])

        widths = [features * 2**i if expand else features for i in range(4)]
        self.scratch = nn.Module()
        for i, (in_channels, width) in enumerate(zip(LITE3_STAGE_CHANNELS, widths), 1):
            setattr(self.scratch, f'layer{i}_rn', nn.Conv2d(in_channels, width, 3, padding=1, bias=False))
        for i in range(4, 0, -1):
            out = widths[i - 2] if (expand and i > 1) else widths[i - 1]
            setattr(self.scratch, f'refinenet{i}', FeatureFusionBlock(widths[i - 1], out, align_corners))
        self.scratch.output_conv = nn.Sequential(
            nn.Conv2d(features, features // 2, 3, padding=1),
            Upsample(),
            nn.Conv2d(features // 2, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 1, 1),
            nn.ReLU() if non_negative else nn.Identity(),
            nn.Identity(),
        )
        if weights is not None:
            self.load_official(weights)

    def load_official(self, path: str) -> None:
        """Load the official checkpoint strictly (float16 copies are cast to float32)."""
        checkpoint = load_checkpoint_file(path, f'MiDaS v2.1 small weights (official file: {OFFICIAL_FILE})')
        state = extract_state_dict(checkpoint if isinstance(checkpoint, dict) else {}, path)
        self.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)

    def forward(self, x: Tensor) -> Tensor:
        """Normalised RGB (N, 3, H, W), H and W multiples of 32 -> relative inverse depth (N, H, W)."""
        layer1 = self.pretrained.layer1(x)
        layer2 = self.pretrained.layer2(layer1)
        layer3 = self.pretrained.layer3(layer2)
        layer4 = self.pretrained.layer4(layer3)
        s = self.scratch
        path = s.refinenet4(s.layer4_rn(layer4))
        path = s.refinenet3(path, s.layer3_rn(layer3))
        path = s.refinenet2(path, s.layer2_rn(layer2))
        path = s.refinenet1(path, s.layer1_rn(layer1))
        return s.output_conv(path).squeeze(1)

    @torch.no_grad()
    def estimate(self, images: List[np.ndarray]) -> List[np.ndarray]:
        """MiDaS's own pre/post-processing: RGB uint8 (H, W, 3) images -> float32 (H, W) inverse depth.

        As the official ``midas_v21_small_256`` transform: each image is scaled, aspect kept, so that it fits
        inside ``input_size`` x ``input_size`` (``resize_method='upper_bound'``), each side rounded to a
        multiple of 32 (down where rounding would exceed the bound), bicubically (OpenCV); then normalised with
        ImageNet statistics. The prediction is resized back bicubically. Images of the same size are
        processed as one batch.
        """
        device = next(self.parameters()).device
        mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
        outputs: Dict[int, np.ndarray] = {}
        for (height, width), indices in group_by_size(images).items():
            size_hw = midas_input_size(height, width, self.input_size)
            x = np.stack(
                [
                    cv2.resize(images[i].astype(np.float32) / 255, size_hw[::-1], interpolation=cv2.INTER_CUBIC)
                    for i in indices
                ]
            )
            x = torch.from_numpy(x).to(device).permute(0, 3, 1, 2)
            depth = self.forward((x - mean) / std)
            depth = F.interpolate(depth[:, None], size=(height, width), mode='bicubic', align_corners=False)
            for i, result in zip(indices, depth[:, 0].float().cpu().numpy()):
                outputs[i] = result
        return [outputs[i] for i in range(len(images))]


def midas_input_size(height: int, width: int, bound: int = 256, multiple: int = 32) -> tuple:
    """(H, W) of MiDaS's network input for a photo of ``height`` x ``width``: the official 'upper_bound'
    resize (fit inside ``bound`` x ``bound``, aspect kept) with sides that are multiples of ``multiple``."""
    scale = min(bound / height, bound / width)

    def constrain(side: float) -> int:
        rounded = int(round(side / multiple)) * multiple
        if rounded > bound:
            rounded = int(side // multiple) * multiple
        return max(multiple, rounded)

    return constrain(scale * height), constrain(scale * width)
