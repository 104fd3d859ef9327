# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""OpenPose's COCO-18 keypoint format (Dress Code's keypoints, BlazePose mapped by the pose provider).

Datasets publish it in their ``metainfo`` with mmpose's key names (``keypoint_names``, ``skeleton_links``,
``flip_indices``); transforms, heads and the overlay read it from there.
"""

from typing import List, Sequence, Tuple

import numpy as np

COCO18_KEYPOINT_NAMES = (
    'nose',
    'neck',
    'r_shoulder',
    'r_elbow',
    'r_wrist',
    'l_shoulder',
    'l_elbow',
    'l_wrist',
    'r_hip',
    'r_knee',
    'r_ankle',
    'l_hip',
    'l_knee',
    'l_ankle',
    'r_eye',
    'l_eye',
    'r_ear',
    'l_ear',
)
COCO18_FLIP_PAIRS = ((2, 5), (3, 6), (4, 7), (8, 11), (9, 12), (10, 13), (14, 15), (16, 17))
# The limbs OpenPose draws for COCO-18 (joint index pairs) and their colours (RGB).
COCO18_SKELETON: List[Tuple[int, int]] = [
    (1, 2),
    (1, 5),
    (2, 3),
    (3, 4),
    (5, 6),
    (6, 7),
    (1, 8),
    (8, 9),
    (9, 10),
    (1, 11),
    (11, 12),
    (12, 13),
    (1, 0),
    (0, 14),
    (14, 16),
    (0, 15),
    (15, 17),
]
COCO18_SKELETON_COLORS = [
    [255, 0, 0],
    [255, 85, 0],
    [255, 170, 0],
    [255, 255, 0],
    [170, 255, 0],
    [85, 255, 0],
    [0, 255, 0],
    [0, 255, 85],
    [0, 255, 170],
    [0, 255, 255],
    [0, 170, 255],
    [0, 85, 255],
    [0, 0, 255],
    [85, 0, 255],
    [170, 0, 255],
    [255, 0, 255],
    [255, 0, 170],
]


def flip_indices(num_keypoints: int, flip_pairs: Sequence[Tuple[int, int]]) -> List[int]:
    """mmpose's ``flip_indices``: for each joint, the index of its mirror joint (itself if it has none)."""
    indices = np.arange(num_keypoints)
    for a, b in flip_pairs:
        indices[a], indices[b] = b, a
    return indices.tolist()


# What a dataset with COCO-18 keypoints adds to its metainfo.
COCO18_METAINFO = dict(
    keypoint_names=COCO18_KEYPOINT_NAMES,
    skeleton_links=COCO18_SKELETON,
    skeleton_link_colors=COCO18_SKELETON_COLORS,
    flip_indices=flip_indices(len(COCO18_KEYPOINT_NAMES), COCO18_FLIP_PAIRS),
)
