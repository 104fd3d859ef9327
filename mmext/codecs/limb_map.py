# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Limb maps: one binary channel per skeleton link, a thick segment between its two visible joints."""

from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmpose.registry import KEYPOINT_CODECS
from torch import Tensor

from ..structures import COCO18_SKELETON
from .strided_codec import StridedKeypointCodec


@KEYPOINT_CODECS.register_module()
class LimbMapCodec(StridedKeypointCodec):
    """Encodes keypoints into limb maps at ``1 / stride`` of the image; decodes predicted logits into
    per-limb probabilities (limb maps hold no keypoint positions to decode to).

    Args:
        stride: image pixels per map cell.
        width: limb thickness in image pixels.
        skeleton_links: joint index pairs, one channel each (default: COCO-18's 17 limbs).
    """

    def __init__(
        self, stride: int = 4, width: float = 8.0, skeleton_links: Sequence[Tuple[int, int]] = COCO18_SKELETON
    ):
        super().__init__(stride)
        self.width = float(width)
        self.skeleton_links = [tuple(link) for link in skeleton_links]

    @property
    def num_limbs(self) -> int:
        return len(self.skeleton_links)

    def encode(
        self,
        keypoints: np.ndarray,
        keypoints_visible: Optional[np.ndarray] = None,
        img_shape: Optional[Sequence[int]] = None,
    ) -> Dict[str, np.ndarray]:
        """``limb_maps`` (num_limbs, h, w) float32 in {0, 1} for the (1, K, 2) keypoints of an image of
        ``img_shape`` (H, W); without ``keypoints_visible`` every joint is visible."""
        maps = np.zeros((self.num_limbs, *self.map_size(img_shape)), np.uint8)
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], np.float32)
        # Pixel index x covers [x - 0.5, x + 0.5): its cell is the floor of (x + 0.5) / stride.
        points = (keypoints[0] + 0.5) / self.stride
        thickness = max(1, int(round(self.width / self.stride)))
        for channel, (a, b) in enumerate(self.skeleton_links):
            if keypoints_visible[0, a] > 0 and keypoints_visible[0, b] > 0:
                start = tuple(int(v) for v in np.floor(points[a]))
                end = tuple(int(v) for v in np.floor(points[b]))
                cv2.line(maps[channel], start, end, 1, thickness, cv2.LINE_8)
        return dict(limb_maps=maps.astype(np.float32))

    def decode(self, encoded: Tensor) -> Tensor:
        """Per-limb probabilities from the head's logits (any shape)."""
        return encoded.sigmoid()

    def __repr__(self) -> str:
        return f'{type(self).__name__}(stride={self.stride}, width={self.width}, num_limbs={self.num_limbs})'
