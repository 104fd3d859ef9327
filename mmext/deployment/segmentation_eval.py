# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""IoU of any logits function (PyTorch, ONNX Runtime fp32 or INT8) on labelled inputs, side by side."""

from typing import Callable, Dict, Iterable, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..evaluation.confusion import confusion_matrix, scores


def class_lookup(num_model_classes: int, pred_map: Optional[Dict[int, int]]) -> Optional[np.ndarray]:
    """Model class -> evaluated class table: ``pred_map`` entries, every other model class -> 0.

    For evaluating a model trained on other classes, e.g. ADE20K's 'person' (12) as the person of a
    person/background set: ``{12: 1}``. None (identity) without a map.
    """
    if not pred_map:
        return None
    table = np.zeros(num_model_classes, dtype=np.int64)
    for source, target in pred_map.items():
        if not 0 <= source < num_model_classes:
            raise ValueError(f'pred_map source class {source} is outside the model\'s {num_model_classes} classes')
        table[source] = target
    return table


def predict_label_map(logits: np.ndarray, size: Tuple[int, int], lookup: Optional[np.ndarray]) -> np.ndarray:
    """Resize (1, C, h, w) logits bilinearly to ``size``, take the argmax, map classes."""
    resized = F.interpolate(
        torch.from_numpy(np.asarray(logits, dtype=np.float32)), size=size, mode='bilinear', align_corners=False
    )
    prediction = resized[0].argmax(0).numpy()
    return lookup[prediction] if lookup is not None else prediction


def evaluate_side_by_side(
    models: Dict[str, Callable[[torch.Tensor], np.ndarray]],
    samples: Iterable[Tuple[torch.Tensor, np.ndarray]],
    classes: Sequence[str],
    pred_map: Optional[Dict[int, int]] = None,
    ignore_index: int = 255,
    progress: Optional[Callable[[int], None]] = None,
) -> dict:
    """Dataset-level IoU per class and mIoU of every model on the same samples.

    Also reports, for every model after the first, the share of labelled pixels whose prediction agrees
    with the first model's (how much e.g. INT8 changes the output, independently of the labels).
    """
    num_classes = len(classes)
    confusion = {name: np.zeros((num_classes, num_classes), dtype=np.int64) for name in models}
    agree = {name: 0 for name in models}
    labelled = 0
    lookups = {}
    reference = next(iter(models))
    for index, (x, label) in enumerate(samples):
        if label is None:
            raise ValueError(f'sample {index} has no ground-truth map: the dataset cannot be evaluated')
        valid = label != ignore_index
        labelled += int(valid.sum())
        first = None
        for name, model in models.items():
            logits = model(x)
            if name not in lookups:
                lookups[name] = class_lookup(logits.shape[1], pred_map)
            prediction = predict_label_map(logits, label.shape, lookups[name])
            if prediction.max() >= num_classes:
                raise ValueError(
                    f'{name} predicts class {prediction.max()} but the dataset has {num_classes} '
                    'classes (map the model\'s classes with pred_map)'
                )
            confusion[name] += confusion_matrix(label, prediction, num_classes, ignore_index)
            if first is None:
                first = prediction
            agree[name] += int((prediction[valid] == first[valid]).sum())
        if progress:
            progress(index + 1)
    results = {}
    for name, matrix in confusion.items():
        score = scores(matrix)
        results[name] = dict(
            mIoU=float(np.nanmean(score['IoU']) * 100),
            IoU={cls: float(v * 100) for cls, v in zip(classes, score['IoU'])},
            aAcc=float(score['aAcc'] * 100),
        )
        if name != reference:
            results[name]['pixel_agreement_with_' + reference] = agree[name] / max(labelled, 1) * 100
    return results
