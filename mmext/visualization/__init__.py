from .overlay import (colorize_depth, colorize_mask, draw_overlay, draw_skeleton, keypoint_records,
                      random_palette)

__all__ = ['colorize_depth', 'colorize_mask', 'draw_overlay', 'draw_skeleton', 'keypoint_records', 'random_palette']
