"""Rasterising keypoints into maps: Gaussian heatmaps (mmpose's codec) and thick limb segments.

Coordinates are continuous pixel coordinates of the image (the image spans [0, W] x [0, H]); a map with
``stride`` s has one cell per s x s image pixels.
"""
from functools import lru_cache
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmpose.codecs import MSRAHeatmap

from .dresscode_meta import SKELETON


@lru_cache(maxsize=32)
def heatmap_codec(image_wh: Tuple[int, int], stride: int, sigma: float) -> MSRAHeatmap:
    """mmpose's MSRA heatmap codec for an image of ``image_wh`` and heatmaps at ``1/stride``."""
    heatmap_wh = (-(-image_wh[0] // stride), -(-image_wh[1] // stride))
    return MSRAHeatmap(input_size=(heatmap_wh[0] * stride, heatmap_wh[1] * stride), heatmap_size=heatmap_wh,
                       sigma=sigma)


def encode_heatmaps(keypoints: np.ndarray, visible: np.ndarray, image_hw: Tuple[int, int], stride: int,
                    sigma: float) -> Tuple[np.ndarray, np.ndarray]:
    """Gaussian heatmaps (K, ceil(H/stride), ceil(W/stride)) and keypoint weights (1, K) via MSRAHeatmap.

    ``sigma`` is in heatmap cells. Joints that are invisible or whose Gaussian falls outside the map get
    weight 0 (mmpose's rule).
    """
    codec = heatmap_codec((int(image_hw[1]), int(image_hw[0])), stride, float(sigma))
    encoded = codec.encode(keypoints.astype(np.float32), visible.astype(np.float32))
    return encoded['heatmaps'].astype(np.float32), encoded['keypoint_weights'].astype(np.float32)


def render_limb_maps(keypoints: np.ndarray,
                     visible: np.ndarray,
                     map_hw: Tuple[int, int],
                     width: float,
                     stride: int = 1,
                     limbs: Sequence[Tuple[int, int]] = SKELETON) -> np.ndarray:
    """One binary channel per limb: a segment ``width`` image pixels thick between two visible joints.

    Args:
        keypoints: (1, K, 2) image coordinates. visible: (1, K).
        map_hw: output size (H, W) of the map (already divided by ``stride``).
        width: limb thickness in image pixels.
        stride: image pixels per map cell.

    Returns:
        (len(limbs), H, W) float32 in {0, 1}.
    """
    maps = np.zeros((len(limbs), *map_hw), np.uint8)
    points = keypoints[0] / stride
    thickness = max(1, int(round(width / stride)))
    for channel, (a, b) in enumerate(limbs):
        if visible[0, a] > 0 and visible[0, b] > 0:
            pa = tuple(int(v) for v in np.floor(points[a]))
            pb = tuple(int(v) for v in np.floor(points[b]))
            cv2.line(maps[channel], pa, pb, 1, thickness, cv2.LINE_8)
    return maps.astype(np.float32)


def flip_permutation(num_keypoints: int, flip_pairs: Sequence[Tuple[int, int]]) -> np.ndarray:
    """Index array mapping each joint to its mirror joint (e.g. r_shoulder <-> l_shoulder)."""
    permutation = np.arange(num_keypoints)
    for a, b in flip_pairs:
        permutation[a], permutation[b] = b, a
    return permutation
