# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Pictures of predictions: colour masks, mask-over-photo overlays with the predicted skeleton, depth maps.

All images are BGR uint8 (OpenCV / OpenMMLab convention); palettes are RGB lists, as in dataset metainfo.
"""

from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..structures import COCO18_KEYPOINT_NAMES, COCO18_SKELETON, COCO18_SKELETON_COLORS


def random_palette(num_classes: int, seed: int = 0) -> List[List[int]]:
    """Black for class 0 (background), distinct-enough random RGB colours (channels >= 40) for the rest."""
    rng = np.random.default_rng(seed)
    return [[0, 0, 0]] + rng.integers(40, 256, size=(num_classes - 1, 3)).tolist()


def colorize_mask(seg_map: np.ndarray, palette: Sequence[Sequence[int]]) -> np.ndarray:
    """(H, W) class indices -> (H, W, 3) BGR colour image; indices outside the palette are drawn black."""
    lut = np.zeros((256, 3), np.uint8)
    lut[: len(palette)] = np.asarray(palette, np.uint8)[:, ::-1]
    return lut[np.clip(seg_map, 0, 255).astype(np.uint8)]


def draw_skeleton(
    image: np.ndarray,
    landmarks: np.ndarray,
    score_thr: float = 0.3,
    skeleton: Sequence[Tuple[int, int]] = COCO18_SKELETON,
    colors: Sequence[Sequence[int]] = COCO18_SKELETON_COLORS,
) -> np.ndarray:
    """Draw limbs between joints scoring at least ``score_thr`` (rows of x, y, score), then the joints."""
    out = image.copy()
    scale = max(1, round(max(out.shape[:2]) / 256))
    visible = landmarks[:, 2] >= score_thr
    for (a, b), rgb in zip(skeleton, colors):
        if a < len(landmarks) and b < len(landmarks) and visible[a] and visible[b]:
            pa, pb = (tuple(int(round(v)) for v in landmarks[i, :2]) for i in (a, b))
            cv2.line(out, pa, pb, tuple(int(c) for c in rgb[::-1]), 2 * scale, cv2.LINE_AA)
    for x, y, score in landmarks:
        if score >= score_thr:
            center = (int(round(x)), int(round(y)))
            cv2.circle(out, center, 2 * scale + 1, (255, 255, 255), -1, cv2.LINE_AA)
            cv2.circle(out, center, 2 * scale + 1, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def draw_overlay(
    image: np.ndarray,
    seg_map: np.ndarray,
    palette: Sequence[Sequence[int]],
    opacity: float = 0.5,
    landmarks: Optional[np.ndarray] = None,
    score_thr: float = 0.3,
) -> np.ndarray:
    """Blend the colour mask over the photo (background, class 0, left untouched); draw the skeleton if given."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'opacity must be in [0, 1], got {opacity}')
    if image.shape[:2] != seg_map.shape:
        raise ValueError(f'image {image.shape[:2]} and segmentation map {seg_map.shape} differ in size')
    color = colorize_mask(seg_map, palette)
    blended = cv2.addWeighted(image, 1.0 - opacity, color, opacity, 0.0)
    out = np.where((seg_map > 0)[..., None], blended, image)
    if landmarks is not None:
        out = draw_skeleton(out, landmarks, score_thr)
    return out


def colorize_depth(depth: np.ndarray) -> np.ndarray:
    """Relative inverse depth -> BGR image (min-max normalised, inferno colour map: bright = near)."""
    low, high = float(depth.min()), float(depth.max())
    scaled = (depth - low) / (high - low) if high > low else np.zeros_like(depth)
    return cv2.applyColorMap((scaled * 255).astype(np.uint8), cv2.COLORMAP_INFERNO)


def keypoint_records(landmarks: np.ndarray, names: Sequence[str] = COCO18_KEYPOINT_NAMES) -> List[dict]:
    """Rows of x, y, score -> JSON records with the joint names (Dress Code's OpenPose order)."""
    return [
        dict(name=names[i] if i < len(names) else f'joint_{i}', x=float(x), y=float(y), score=float(s))
        for i, (x, y, s) in enumerate(landmarks)
    ]


def add_legend(
    image: np.ndarray, seg_map: np.ndarray, classes: Sequence[str], palette: Sequence[Sequence[int]]
) -> np.ndarray:
    """The image with a legend in its lower left corner (on a light box, at the image's size): a colour
    swatch and the name of every class present in ``seg_map``."""
    present = [int(c) for c in np.unique(seg_map) if 0 <= c < len(classes)]
    out = image.copy()
    if not present:
        return out
    scale = max(0.35, min(image.shape[:2]) / 700)
    row_h = max(10, int(20 * scale))
    width = min(
        image.shape[1],
        row_h
        + 4
        + max(cv2.getTextSize(str(classes[c]), cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, 1)[0][0] for c in present)
        + 8,
    )
    height = min(image.shape[0], row_h * len(present) + 6)
    top = image.shape[0] - height
    box = out[top:, :width]
    box[:] = (0.35 * box + 0.65 * 255).astype(np.uint8)
    for i, c in enumerate(present):
        y = top + 3 + i * row_h
        cv2.rectangle(out, (3, y), (3 + row_h - 4, y + row_h - 4), [int(v) for v in palette[c][::-1]], -1)
        cv2.putText(
            out,
            str(classes[c]),
            (row_h + 3, y + row_h - 6),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5 * scale,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    return out
