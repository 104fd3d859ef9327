# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Dress Code's skeleton images: OpenPose-style drawings of COCO-18 keypoints (``annotate_pose.py`` writes
them for other photo folders). Training targets from keypoints are the codecs' work (:mod:`mmext.codecs`).
"""

from typing import Sequence, Tuple

import cv2
import numpy as np

from ..structures import COCO18_SKELETON, COCO18_SKELETON_COLORS


def draw_openpose_skeleton(
    size_hw: Tuple[int, int],
    keypoints: np.ndarray,
    visible: np.ndarray,
    limbs: Sequence[Tuple[int, int]] = COCO18_SKELETON,
) -> np.ndarray:
    """OpenPose-style drawing on black (RGB uint8): coloured limbs between visible joints and joint dots.

    Args:
        size_hw: size of the drawing.
        keypoints: (K, 2) joint coordinates in the drawing's pixels. visible: (K,) truthy where drawn.
    """
    height, width = size_hw
    canvas = np.zeros((height, width, 3), np.uint8)
    stick = max(1, int(round(0.008 * max(height, width))))
    for (a, b), colour in zip(limbs, COCO18_SKELETON_COLORS):
        if not (visible[a] and visible[b]):
            continue
        centre = (keypoints[a] + keypoints[b]) / 2
        delta = keypoints[b] - keypoints[a]
        length = float(np.hypot(*delta)) / 2
        angle = float(np.degrees(np.arctan2(delta[1], delta[0])))
        polygon = cv2.ellipse2Poly(tuple(int(v) for v in centre), (max(1, int(length)), stick), int(angle), 0, 360, 1)
        cv2.fillConvexPoly(canvas, polygon, [int(c * 0.6) for c in colour])
    for i in range(len(keypoints)):
        if visible[i]:
            colour = COCO18_SKELETON_COLORS[i % len(COCO18_SKELETON_COLORS)]
            cv2.circle(canvas, tuple(int(v) for v in keypoints[i]), stick, colour, -1)
    return canvas
