# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""IoU of groups of classes (``gIoU.<group>``), e.g. Dress Code's 18 classes as upper / lower / whole / person."""

from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from ..confusion import confusion_matrix


@METRICS.register_module()
class GroupIoUMetric(BaseMetric):
    """For each group of class indices, the classes of the group are merged into one class in prediction and
    truth, and its IoU is counted over the data set: ``gIoU.<group>`` in percent (NaN when the group is absent
    from every prediction and truth). Pixels labelled ``ignore_index`` are not counted.

    Each image adds its confusion matrix; a group's intersection and union are sums of blocks of the total, so
    confusions between classes of one group count as hits of the group.

    Args:
        groups: group name -> class indices, e.g. ``dict(upper=[4], lower=[5, 6], person=list(range(1, 18)))``.
        ignore_index: truth label that is not evaluated.
        collect_device, prefix: :class:`BaseMetric` arguments.
    """

    def __init__(
        self,
        groups: Dict[str, Sequence[int]],
        ignore_index: int = 255,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not groups:
            raise ValueError('groups must name at least one group of class indices')
        self.groups = {name: sorted(set(int(i) for i in ids)) for name, ids in groups.items()}
        self.ignore_index = ignore_index

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for name, ids in self.groups.items():
            if not ids or min(ids) < 0 or max(ids) >= num_classes:
                raise ValueError(f'group {name!r}: class indices {ids} must be within 0..{num_classes - 1}')
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze().cpu().numpy()
            label = sample['gt_sem_seg']['data'].squeeze().cpu().numpy()
            self.results.append(confusion_matrix(label, pred, num_classes, self.ignore_index))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        matrix = np.sum(results, axis=0)
        metrics = {}
        for name, ids in self.groups.items():
            inter = matrix[np.ix_(ids, ids)].sum()
            union = matrix[ids].sum() + matrix[:, ids].sum() - inter
            metrics[f'gIoU.{name}'] = 100.0 * inter / union if union else float('nan')
        return metrics
