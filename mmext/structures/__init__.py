# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Definitions shared by every layer: keypoint formats (names, skeleton, flip pairs)."""

from .coco18 import (
    COCO18_FLIP_PAIRS,
    COCO18_KEYPOINT_NAMES,
    COCO18_METAINFO,
    COCO18_SKELETON,
    COCO18_SKELETON_COLORS,
    flip_indices,
)

__all__ = [
    'COCO18_FLIP_PAIRS',
    'COCO18_KEYPOINT_NAMES',
    'COCO18_METAINFO',
    'COCO18_SKELETON',
    'COCO18_SKELETON_COLORS',
    'flip_indices',
]
