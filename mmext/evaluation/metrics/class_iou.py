# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""mmseg's IoU metric with the IoU of every class as a named, unrounded metric (``IoU.<class>``)."""

from collections import OrderedDict
from typing import Any, Dict

import numpy as np
from mmengine.logging import MMLogger
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable


@METRICS.register_module()
class ClassIoUMetric(IoUMetric):
    """mmseg's ``IoUMetric`` (same counts over the data set, ``ignore_index``, ``nan_to_num``, ``output_dir``,
    ``format_only``) reporting ``aAcc``, ``mIoU`` and ``IoU.<class>`` for every class, in percent.

    What differs: mmseg's metric only logs the per-class IoU, and rounds to 2 decimals; run summaries, result
    files and the study tables read the per-class values as metrics, and paired comparisons want them unrounded.
    Only IoU is reported (``iou_metrics`` is fixed to ``['mIoU']``), so no ``mAcc`` appears.

    Args:
        **kwargs: ``IoUMetric``'s arguments except ``iou_metrics``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(iou_metrics=['mIoU'], **kwargs)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if self.format_only:
            return super().compute_metrics(results)
        inter, union, pred_area, label_area = (sum(r[i] for r in results) for i in range(4))
        scores = self.total_area_to_metrics(inter, union, pred_area, label_area, ['mIoU'], self.nan_to_num)
        classes = self.dataset_meta['classes']
        metrics = OrderedDict(aAcc=float(scores['aAcc']) * 100, mIoU=float(np.nanmean(scores['IoU'])) * 100)
        metrics.update((f'IoU.{name}', float(value) * 100) for name, value in zip(classes, scores['IoU']))
        table = PrettyTable(field_names=['class', 'IoU'])
        for name in classes:
            table.add_row([name, f'{metrics[f"IoU.{name}"]:.2f}'])
        MMLogger.get_current_instance().info('per class results:\n' + table.get_string())
        return dict(metrics)
