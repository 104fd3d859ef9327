# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .overlay import (
    add_legend,
    colorize_depth,
    colorize_mask,
    draw_overlay,
    draw_skeleton,
    keypoint_records,
    random_palette,
)

__all__ = [
    'add_legend',
    'colorize_depth',
    'colorize_mask',
    'draw_overlay',
    'draw_skeleton',
    'keypoint_records',
    'random_palette',
]
