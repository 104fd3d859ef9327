"""Rasterising keypoints into maps: Gaussian heatmaps (mmpose's codec) and thick limb segments.

Coordinates are pixel indices of the image (pixel centres at integers, mmpose's convention); a map with
``stride`` s has one cell per s x s image pixels.
"""
from functools import lru_cache
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmpose.codecs import MSRAHeatmap

from .dresscode_meta import SKELETON, SKELETON_COLORS


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
    points = (keypoints[0] + 0.5) / stride  # pixel index x covers [x - 0.5, x + 0.5): its cell is floor of that
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


def draw_openpose_skeleton(size_hw: Tuple[int, int], keypoints: np.ndarray, visible: np.ndarray,
                           limbs: Sequence[Tuple[int, int]] = SKELETON) -> np.ndarray:
    """OpenPose-style drawing on black (RGB uint8): coloured limbs between visible joints and joint dots.

    Args:
        size_hw: size of the drawing.
        keypoints: (K, 2) joint coordinates in the drawing's pixels. visible: (K,) truthy where drawn.
    """
    height, width = size_hw
    canvas = np.zeros((height, width, 3), np.uint8)
    stick = max(1, int(round(0.008 * max(height, width))))
    for (a, b), colour in zip(limbs, SKELETON_COLORS):
        if not (visible[a] and visible[b]):
            continue
        centre = (keypoints[a] + keypoints[b]) / 2
        delta = keypoints[b] - keypoints[a]
        length = float(np.hypot(*delta)) / 2
        angle = float(np.degrees(np.arctan2(delta[1], delta[0])))
        polygon = cv2.ellipse2Poly(tuple(int(v) for v in centre), (max(1, int(length)), stick), int(angle), 0,
                                   360, 1)
        cv2.fillConvexPoly(canvas, polygon, [int(c * 0.6) for c in colour])
    for i in range(len(keypoints)):
        if visible[i]:
            cv2.circle(canvas, tuple(int(v) for v in keypoints[i]), stick, SKELETON_COLORS[i % len(SKELETON_COLORS)],
                       -1)
    return canvas
