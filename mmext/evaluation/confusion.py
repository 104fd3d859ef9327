# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Confusion matrices and the IoU they give: one place for every tool that scores label maps itself
(deployment checks, peer evaluation, offline confusion matrices) and for ``GroupIoUMetric``. The other
evaluators in a Runner count with mmseg's ``IoUMetric``."""

from typing import Dict

import numpy as np


def confusion_matrix(
    label: np.ndarray, prediction: np.ndarray, num_classes: int, ignore_index: int = 255
) -> np.ndarray:
    """(num_classes, num_classes) int64 pixel counts, rows = true class, columns = predicted class. Pixels
    labelled ``ignore_index`` and predictions outside the classes count nowhere."""
    keep = (label != ignore_index) & (prediction >= 0) & (prediction < num_classes) & (label < num_classes)
    pairs = label[keep].astype(np.int64) * num_classes + prediction[keep].astype(np.int64)
    return np.bincount(pairs, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def scores(matrix: np.ndarray) -> Dict[str, np.ndarray]:
    """IoU (NaN for a class absent from truth and prediction), recall and precision per class, and aAcc, from a
    confusion matrix (fractions, not percent)."""
    matrix = np.asarray(matrix, np.float64)
    hits = np.diag(matrix)
    true, predicted = matrix.sum(1), matrix.sum(0)
    union = true + predicted - hits
    return dict(
        IoU=np.where(union > 0, hits / np.maximum(union, 1), np.nan),
        recall=hits / np.maximum(true, 1),
        precision=hits / np.maximum(predicted, 1),
        aAcc=hits.sum() / max(matrix.sum(), 1),
    )
