# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Paired comparisons of two models evaluated on the same images: the mean paired difference of a metric with a
t interval over the pairs (seeds, or cross-validation folds), and a per-image bootstrap interval of the
dataset-level mIoU difference.

Everything here works on numbers and per-image intersection / union counts (what ``PerImageIoUMetric`` keeps
as ``per_image``); reading run files and writing tables is the tools' business
(``tools/analysis_tools/ablation_table.py``).

Two ways of pairing runs, two bootstraps:

- **Seeds**, every run evaluated on the same images: :func:`bootstrap_miou_difference` resamples those images
  once per draw, for all seeds together, and compares the seeds' mean dataset-level mIoU.
- **Folds**, each run evaluated on its fold's held-out images, every image held out once:
  :func:`pool_held_out` checks that the two sides of each fold saw the same images and that no image is held
  out twice, and concatenates the folds; the bootstrap then resamples the pooled images (one "run" per side).
"""

from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy import stats

Interval = Tuple[float, float]


@dataclass(frozen=True)
class PairedDifference:
    """Mean of the paired differences ``ours - theirs``, the differences themselves (in pairing order) and the
    two-sided t interval of their mean (None with fewer than two pairs)."""

    mean: float
    per_pair: List[float]
    interval: Optional[Interval]


def t_interval(values: Sequence[float], confidence: float = 0.95) -> Optional[Interval]:
    """Two-sided Student t interval of the mean of ``values`` (None for fewer than two values).

    mean +- t_{(1 + confidence) / 2, n - 1} * s / sqrt(n), with s the sample standard deviation (ddof=1).
    """
    values = [float(v) for v in values]
    if len(values) < 2:
        return None
    if not 0 < confidence < 1:
        raise ValueError(f'confidence must lie in (0, 1), got {confidence}')
    mean = float(np.mean(values))
    quantile = float(stats.t.ppf((1 + confidence) / 2, len(values) - 1))
    half = quantile * float(np.std(values, ddof=1)) / np.sqrt(len(values))
    return (mean - half, mean + half)


def paired_difference(ours: Sequence[float], theirs: Sequence[float], confidence: float = 0.95) -> PairedDifference:
    """The paired differences ``ours[i] - theirs[i]``, their mean and its t interval."""
    if len(ours) != len(theirs):
        raise ValueError(f'paired values need equal lengths, got {len(ours)} and {len(theirs)}')
    if not ours:
        raise ValueError('no pairs to compare')
    diffs = [float(a) - float(b) for a, b in zip(ours, theirs)]
    return PairedDifference(mean=float(np.mean(diffs)), per_pair=diffs, interval=t_interval(diffs, confidence))


def dataset_miou(intersection: np.ndarray, union: np.ndarray) -> np.ndarray:
    """mIoU (percent) from per-image counts (..., images, classes): sums over images, mean over classes.

    A class with no union pixel in the images given makes the result NaN.
    """
    inter, uni = np.sum(intersection, -2), np.sum(union, -2)
    return 100 * np.divide(inter, uni, out=np.full(np.shape(inter), np.nan), where=uni > 0).mean(-1)


@dataclass(frozen=True)
class PerImageCounts:
    """Intersection and union pixel counts per image and class of one evaluation, with the images' names."""

    images: Tuple[str, ...]
    intersection: np.ndarray  # (images, classes), float64
    union: np.ndarray  # (images, classes), float64
    classes: Optional[Tuple[str, ...]] = None

    def __post_init__(self) -> None:
        shape = (len(self.images),) + tuple(np.shape(self.intersection)[1:])
        if np.ndim(self.intersection) != 2 or np.shape(self.intersection) != shape:
            raise ValueError(
                f'intersection counts of shape {np.shape(self.intersection)} do not match {len(self.images)} images'
            )
        if np.shape(self.union) != np.shape(self.intersection):
            raise ValueError(
                f'union counts of shape {np.shape(self.union)} differ from the intersection\'s '
                f'{np.shape(self.intersection)}'
            )
        if self.classes is not None and len(self.classes) != shape[1]:
            raise ValueError(f'{len(self.classes)} class names for {shape[1]} classes of counts')

    @classmethod
    def from_record(cls, record: Mapping) -> 'PerImageCounts':
        """From a ``per_image`` record: ``images``, ``intersection`` and ``union`` (lists), optional ``classes``."""
        classes = record.get('classes')
        return cls(
            images=tuple(record['images']),
            intersection=np.asarray(record['intersection'], np.float64),
            union=np.asarray(record['union'], np.float64),
            classes=None if classes is None else tuple(classes),
        )


def check_same_images(counts: Sequence[PerImageCounts]) -> None:
    """Raise ValueError unless every evaluation holds the same images in the same order, and the same classes."""
    if not counts:
        raise ValueError('no per-image counts given')
    first = counts[0]
    for other in counts[1:]:
        if other.images != first.images:
            missing = sorted(set(first.images) ^ set(other.images))
            detail = (
                f'{len(missing)} images in one and not the other (e.g. {missing[:3]})'
                if missing
                else 'the same images in another order'
            )
            raise ValueError(f'runs were evaluated on different images ({detail}): no per-image pairing possible')
        if first.classes is not None and other.classes is not None and other.classes != first.classes:
            raise ValueError(f'runs were evaluated with different classes: {first.classes} and {other.classes}')


def pool_held_out(
    ours: Sequence[PerImageCounts], theirs: Sequence[PerImageCounts]
) -> Tuple[PerImageCounts, PerImageCounts]:
    """Pool cross-validation folds: ``ours[k]`` and ``theirs[k]`` are the two models' evaluations on fold k's
    held-out images. Checks that both sides of each fold saw the same images and that no image is held out in
    two folds, then concatenates the folds' counts, image by image, into one evaluation per side."""
    if len(ours) != len(theirs):
        raise ValueError(f'{len(ours)} folds on one side, {len(theirs)} on the other')
    if not ours:
        raise ValueError('no folds to pool')
    for k, pair in enumerate(zip(ours, theirs)):
        try:
            check_same_images(pair)
        except ValueError as error:
            raise ValueError(f'paired fold {k}: {error}') from None
    classes = {fold.classes for fold in ours if fold.classes is not None}
    if len(classes) > 1 or len({fold.union.shape[1] for fold in ours}) > 1:
        raise ValueError(f'the folds were evaluated with different classes: {sorted(classes)}')
    seen = {}
    for k, fold in enumerate(ours):
        for image in fold.images:
            if image in seen:
                raise ValueError(
                    f'image {image!r} is held out in paired folds {seen[image]} and {k}: the folds '
                    'do not partition the images'
                )
            seen[image] = k

    def concatenate(side: Sequence[PerImageCounts]) -> PerImageCounts:
        return PerImageCounts(
            images=tuple(image for fold in side for image in fold.images),
            intersection=np.concatenate([fold.intersection for fold in side]),
            union=np.concatenate([fold.union for fold in side]),
            classes=side[0].classes,
        )

    return concatenate(ours), concatenate(theirs)


def bootstrap_miou_difference(
    ours: Sequence[PerImageCounts],
    theirs: Sequence[PerImageCounts],
    resamples: int,
    rng: np.random.Generator,
    confidence: float = 0.95,
) -> Interval:
    """Percentile interval of the difference in dataset-level mIoU between two sides, resampling images.

    Each side is one or more evaluations (seeds) of the same images; the statistic is the mean over a side's
    evaluations of its dataset-level mIoU on the resampled images, ours minus theirs. One draw of
    ``rng.integers(0, images, (resamples, images))`` picks the images for every evaluation alike, so the
    comparison stays paired image by image. For cross-validation folds pass one pooled evaluation per side
    (:func:`pool_held_out`).
    """
    if resamples < 1:
        raise ValueError(f'resamples must be at least 1, got {resamples}')
    if len(ours) != len(theirs) or not ours:
        raise ValueError(
            f'{len(ours)} evaluations on one side and {len(theirs)} on the other: the bootstrap needs '
            'the same number (at least one) on both'
        )
    check_same_images(list(ours) + list(theirs))
    num_images = len(ours[0].images)
    if num_images == 0:
        raise ValueError('no images to resample')
    # (2 sides, evaluations, images, classes)
    inter = np.array([[c.intersection for c in side] for side in (ours, theirs)], np.float64)
    union = np.array([[c.union for c in side] for side in (ours, theirs)], np.float64)
    draws = rng.integers(0, num_images, size=(resamples, num_images))
    diffs = np.empty(resamples)
    for i, pick in enumerate(draws):
        miou = dataset_miou(inter[:, :, pick], union[:, :, pick]).mean(-1)
        diffs[i] = miou[0] - miou[1]
    tail = (100 - 100 * confidence) / 2
    return (float(np.percentile(diffs, tail)), float(np.percentile(diffs, 100 - tail)))
