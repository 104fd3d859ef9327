# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Helpers shared by the depth providers."""

from typing import Dict, List, Tuple

import numpy as np


def group_by_size(images: List[np.ndarray]) -> Dict[Tuple[int, int], List[int]]:
    """Indices of RGB uint8 images grouped by (H, W), so that each group can run as one batch."""
    groups: Dict[Tuple[int, int], List[int]] = {}
    for i, image in enumerate(images):
        if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            desc = f'{image.dtype} {image.shape}' if isinstance(image, np.ndarray) else type(image).__name__
            raise ValueError(f'image {i}: expected an RGB uint8 array (H, W, 3), got {desc}')
        groups.setdefault(image.shape[:2], []).append(i)
    return groups
