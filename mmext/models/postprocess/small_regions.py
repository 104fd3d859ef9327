# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Removal of small connected regions of a predicted label map."""

import math
from typing import Optional, Sequence, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .dense_crf import check_inputs

Area = Union[int, float]

_NEIGHBOURS = {
    4: ((0, 1), (1, 0), (0, -1), (-1, 0)),
    8: ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)),
}


def one_hot_log_probs(labels: Tensor, num_classes: int, eps: float) -> Tensor:
    """Log of the one-hot-like distribution ``1 - eps`` on ``labels`` (N, H, W), ``eps / (C - 1)`` elsewhere."""
    out = torch.full(
        (labels.shape[0], num_classes, *labels.shape[1:]), math.log(eps / (num_classes - 1)), device=labels.device
    )
    return out.scatter_(1, labels[:, None], math.log1p(-eps))


@MODELS.register_module()
class RemoveSmallRegions:
    """Relabel connected regions of the argmax label map that are smaller than ``min_area``.

    Each class's pixels are split into connected components (``cv2.connectedComponentsWithStats``, on the CPU).
    A component with fewer than its class's threshold pixels takes the label that covers the most of its
    border pixels (the pixels outside it that touch it) among regions that are not small themselves. A small
    region with only small neighbours waits for the next pass (so a speck inside a speck inside a large region
    ends up with the large region's label); passes repeat until nothing changes (at most ``max_passes``).
    Regions at or above the threshold are never relabelled (they only grow by absorbing specks).

    Args:
        min_area: pixels (int >= 1) or a fraction of the image (float in (0, 1)); a sequence gives one value per
            class (0 leaves that class alone).
        classes: class indices to clean (default: all); other classes' regions are kept whatever their size.
        connectivity: 4 or 8, for the components and for what counts as touching.
        max_passes: upper bound on the relabelling passes.
        keep_scores: True: pixels whose label did not change keep ``log_softmax(logits)`` and only relabelled
            pixels get one-hot-like scores; False: every pixel gets one-hot-like scores.
        eps: the one-hot-like scores are ``log(1 - eps)`` for the new label and ``log(eps / (C - 1))`` elsewhere.

    Call: ``step(logits (N, C, H, W), images=None)`` -> log-probabilities (N, C, H, W) whose argmax is the
    cleaned label map (images are not used). Batched (a loop over images on the CPU); output on the logits'
    device.
    """

    def __init__(
        self,
        min_area: Union[Area, Sequence[Area]] = 64,
        classes: Optional[Sequence[int]] = None,
        connectivity: int = 8,
        max_passes: int = 5,
        keep_scores: bool = True,
        eps: float = 1e-4,
    ):
        if connectivity not in _NEIGHBOURS:
            raise ValueError(f'connectivity must be 4 or 8, got {connectivity}')
        values = list(min_area) if isinstance(min_area, (list, tuple)) else [min_area]
        for value in values:
            if value < 0 or (not float(value).is_integer() and not 0 < value < 1):
                raise ValueError(f'min_area must be a pixel count (int >= 0) or a fraction in (0, 1), got {value}')
        if not 0 < eps < 1:
            raise ValueError(f'eps must be in (0, 1), got {eps}')
        self.min_area = min_area
        self.classes = None if classes is None else {int(c) for c in classes}
        self.connectivity = connectivity
        self.max_passes = max(1, int(max_passes))
        self.keep_scores = keep_scores
        self.eps = float(eps)

    def __repr__(self) -> str:
        return (
            f'RemoveSmallRegions(min_area={self.min_area}, classes={self.classes}, '
            f'connectivity={self.connectivity}, keep_scores={self.keep_scores})'
        )

    def threshold(self, label: int, num_classes: int, image_area: int) -> float:
        """Minimum area (pixels) a region of class ``label`` must have to be kept."""
        if self.classes is not None and label not in self.classes:
            return 0
        value = self.min_area
        if isinstance(value, (list, tuple)):
            if len(value) != num_classes:
                raise ValueError(f'min_area gives {len(value)} values for {num_classes} classes')
            value = value[label]
        return value * image_area if 0 < value < 1 else value

    def components(self, labels: np.ndarray, num_classes: int):
        """Component id map (H, W), and per component: its label and whether it is small."""
        comp = np.empty(labels.shape, np.int64)
        comp_labels, small, next_id = [], [], 0
        for label in np.unique(labels):
            count, cc, stats, _ = cv2.connectedComponentsWithStats(
                (labels == label).astype(np.uint8), connectivity=self.connectivity
            )
            inside = cc > 0
            comp[inside] = cc[inside] + (next_id - 1)
            comp_labels.extend([label] * (count - 1))
            small.extend(stats[1:, cv2.CC_STAT_AREA] < self.threshold(int(label), num_classes, labels.size))
            next_id += count - 1
        return comp, np.asarray(comp_labels, np.int64), np.asarray(small, bool)

    def border_majority(self, labels: np.ndarray, comp: np.ndarray, small: np.ndarray):
        """For small components touching a large one: (component ids, label covering most border pixels)."""
        height, width = labels.shape
        small_pixels = small[comp]
        large_pixels = ~small_pixels
        keys = []
        for dy, dx in _NEIGHBOURS[self.connectivity]:
            # p: pixel in a small component; q = p + (dy, dx): a touching pixel of a large component.
            ys = slice(max(0, -dy), height - max(0, dy))
            xs = slice(max(0, -dx), width - max(0, dx))
            yq = slice(max(0, dy), height + min(0, dy))
            xq = slice(max(0, dx), width + min(0, dx))
            hit = small_pixels[ys, xs] & large_pixels[yq, xq]
            if not hit.any():
                continue
            q_index = (np.arange(height)[yq, None] * width + np.arange(width)[None, xq])[hit]
            keys.append(comp[ys, xs][hit] * labels.size + q_index)
        if not keys:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        keys = np.unique(np.concatenate(keys))  # each border pixel once per component
        comp_ids, q_index = np.divmod(keys, labels.size)
        pairs, counts = np.unique(np.stack([comp_ids, labels.reshape(-1)[q_index]], 1), axis=0, return_counts=True)
        # Most border pixels first; ties go to the smaller label (np.unique sorted pairs by component, label).
        order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
        pairs = pairs[order]
        first = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]
        return pairs[first, 0], pairs[first, 1]

    def clean(self, labels: np.ndarray, num_classes: int) -> np.ndarray:
        """The cleaned copy of one (H, W) label map."""
        labels = labels.astype(np.int64, copy=True)
        for _ in range(self.max_passes):
            comp, _, small = self.components(labels, num_classes)
            if not small.any():
                break
            comp_ids, new_labels = self.border_majority(labels, comp, small)
            if comp_ids.size == 0:
                break  # only small regions left to merge with each other: keep them
            lut = np.full(small.size, -1, np.int64)
            lut[comp_ids] = new_labels
            relabel = lut[comp]
            labels = np.where(relabel >= 0, relabel, labels)
        return labels

    @torch.no_grad()
    def __call__(self, logits: Tensor, images: Optional[Tensor] = None) -> Tensor:
        check_inputs(logits, images)
        num_classes = logits.size(1)
        before = logits.argmax(1)
        cleaned = np.stack([self.clean(labels, num_classes) for labels in before.cpu().numpy()])
        after = torch.from_numpy(cleaned).to(logits.device)
        scores = one_hot_log_probs(after, num_classes, self.eps)
        if not self.keep_scores:
            return scores
        return torch.where((after == before)[:, None], F.log_softmax(logits.float(), dim=1), scores)
