"""Limb maps: one binary channel per skeleton link, a thick segment between its two visible joints."""
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np
from mmpose.registry import KEYPOINT_CODECS
from torch import Tensor

from ..structures import COCO18_SKELETON


@KEYPOINT_CODECS.register_module()
class LimbMapCodec:
    """Encodes keypoints into limb maps at ``1 / stride`` of the image; decodes predicted logits into
    per-limb probabilities.

    Args:
        stride: image pixels per map cell.
        width: limb thickness in image pixels.
        skeleton_links: joint index pairs, one channel each (default: COCO-18's 17 limbs).
    """

    def __init__(self, stride: int = 4, width: float = 8.0,
                 skeleton_links: Sequence[Tuple[int, int]] = COCO18_SKELETON):
        self.stride = int(stride)
        self.width = float(width)
        self.skeleton_links = [tuple(link) for link in skeleton_links]

    @property
    def num_limbs(self) -> int:
        return len(self.skeleton_links)

    def map_size(self, image_hw: Tuple[int, int]) -> Tuple[int, int]:
        """(h, w) of the limb maps of an image of ``image_hw``."""
        return -(-int(image_hw[0]) // self.stride), -(-int(image_hw[1]) // self.stride)

    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray,
               image_hw: Tuple[int, int]) -> Dict[str, np.ndarray]:
        """``limb_maps`` (num_limbs, h, w) float32 in {0, 1} for (1, K, 2) keypoints."""
        maps = np.zeros((self.num_limbs, *self.map_size(image_hw)), np.uint8)
        # Pixel index x covers [x - 0.5, x + 0.5): its cell is the floor of (x + 0.5) / stride.
        points = (keypoints[0] + 0.5) / self.stride
        thickness = max(1, int(round(self.width / self.stride)))
        for channel, (a, b) in enumerate(self.skeleton_links):
            if keypoints_visible[0, a] > 0 and keypoints_visible[0, b] > 0:
                start = tuple(int(v) for v in np.floor(points[a]))
                end = tuple(int(v) for v in np.floor(points[b]))
                cv2.line(maps[channel], start, end, 1, thickness, cv2.LINE_8)
        return dict(limb_maps=maps.astype(np.float32))

    @staticmethod
    def decode(logits: Tensor) -> Tensor:
        """Per-limb probabilities from the head's logits."""
        return logits.sigmoid()

    def __repr__(self) -> str:
        return f'{type(self).__name__}(stride={self.stride}, width={self.width}, num_limbs={self.num_limbs})'
