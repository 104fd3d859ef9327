# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Per-image IoU: IoU of each class in each image, then the mean over images (the measure the
TopFormer-vs-U2Net clothing study reports, docs/studies.md).

mmseg's ``IoUMetric`` sums intersections and unions over the whole data set first, so large garments in a
few images dominate it; the per-image mean weighs every image equally. Both are worth reporting: keep
``IoUMetric`` (or ``ClassIoUMetric``) for the data-set level numbers and add this one next to it.
"""

import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmseg.registry import METRICS
from prettytable import PrettyTable

ABSENT_CONVENTIONS = ('skip', 'one')


@METRICS.register_module()
class PerImageIoUMetric(BaseMetric):
    """IoU per image and class, averaged over images.

    For image i and class c (pixels labelled ``ignore_index`` in the truth are left out of both prediction and
    truth): ``IoU_ic = |pred == c & truth == c| / |pred == c | truth == c|``. The result for class c is the
    mean of ``IoU_ic`` over the images that count for c, in percent:

    - a class in the truth but not predicted, or predicted but not in the truth, scores 0 in that image;
    - a class absent from both prediction and truth (empty union) follows ``absent``: ``'skip'`` (default) --
      the image does not count for that class; ``'one'`` -- it counts as IoU 1 (empty vs empty is a perfect
      score). The TopFormer-vs-U2Net clothing study reports per-image IoU for upper / lower / whole without
      saying which convention it used, so both are offered; state the one used next to any comparison.

    A class for which no image counts (only possible with 'skip') is NaN and left out of the mean.

    Reported keys: ``per_image_iou.<class name>`` for each reported class and ``per_image_mIoU``, the mean
    over the reported classes; also ``per_image_count.<class name>``, how many images counted.

    Args:
        absent: 'skip' or 'one', see above.
        ignore_index: truth label that is not evaluated.
        classes: names (or indices) of the classes to report and average, e.g. ``('upper', 'lower',
            'whole')`` for the clothing study's numbers without background; default: every class of the data set.
        collect_device, prefix: :class:`BaseMetric` arguments.
    """

    default_prefix: Optional[str] = None

    def __init__(
        self,
        absent: str = 'skip',
        ignore_index: int = 255,
        classes: Optional[Sequence[Union[str, int]]] = None,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if absent not in ABSENT_CONVENTIONS:
            raise ValueError(f'absent must be one of {ABSENT_CONVENTIONS}, got {absent!r}')
        self.absent = absent
        self.ignore_index = ignore_index
        self.classes = None if classes is None else list(classes)
        self.per_image: Optional[dict] = None  # image names and per-class counts of the last evaluation

    def _class_indices(self) -> List[int]:
        names = list(self.dataset_meta['classes'])
        if self.classes is None:
            return list(range(len(names)))
        indices = []
        for item in self.classes:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                if not 0 <= item < len(names):
                    raise ValueError(f'class index {item} is out of range for {len(names)} classes')
                indices.append(int(item))
            elif item in names:
                indices.append(names.index(item))
            else:
                raise ValueError(f'class {item!r} is not one of the data set classes {names}')
        return indices

    @staticmethod
    def image_counts(pred: torch.Tensor, label: torch.Tensor, num_classes: int, ignore_index: int) -> tuple:
        """(intersection, union) per class of one image, as int64 numpy arrays of length ``num_classes``.

        Pixels whose truth is ``ignore_index`` are left out; predicted values outside ``0..num_classes - 1``
        count for no class.
        """
        pred = pred.reshape(-1).long()
        label = label.reshape(-1).long()
        keep = label != ignore_index
        pred, label = pred[keep], label[keep]
        inter = torch.bincount(label[(pred == label) & (label >= 0) & (label < num_classes)], minlength=num_classes)[
            :num_classes
        ]
        pred_area = torch.bincount(pred[(pred >= 0) & (pred < num_classes)], minlength=num_classes)[:num_classes]
        label_area = torch.bincount(label[(label >= 0) & (label < num_classes)], minlength=num_classes)[:num_classes]
        union = pred_area + label_area - inter
        return inter.cpu().numpy().astype(np.int64), union.cpu().numpy().astype(np.int64)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze()
            label = sample['gt_sem_seg']['data'].squeeze().to(pred.device)
            inter, union = self.image_counts(pred, label, num_classes, self.ignore_index)
            self.results.append((inter, union, osp.splitext(osp.basename(sample.get('img_path', '')))[0]))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        names = list(self.dataset_meta['classes'])
        indices = self._class_indices()
        inter = np.stack([r[0] for r in results]).astype(np.float64)  # (images, classes)
        union = np.stack([r[1] for r in results]).astype(np.float64)
        present = union > 0
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=present)
        if self.absent == 'one':
            iou[~present] = 1.0
            counted = np.ones_like(present)
        else:
            counted = present
        metrics = OrderedDict()
        per_class = []
        for index in indices:
            num = int(counted[:, index].sum())
            value = float(iou[counted[:, index], index].mean()) * 100 if num else float('nan')
            metrics[f'per_image_iou.{names[index]}'] = value
            metrics[f'per_image_count.{names[index]}'] = num
            per_class.append(value)
        valid = [v for v in per_class if not np.isnan(v)]
        metrics['per_image_mIoU'] = float(np.mean(valid)) if valid else float('nan')
        # Kept for paired comparisons between runs (per-image bootstrap): ablation_table.py reads them from
        # the run files that tools/analysis_tools/run_result.py writes.
        self.per_image = dict(
            images=[r[2] for r in results],
            intersection=inter.astype(np.int64).tolist(),
            union=union.astype(np.int64).tolist(),
        )
        self._log_table(metrics, [names[i] for i in indices], len(results))
        return dict(metrics)

    def _log_table(self, metrics: Dict[str, float], names: Sequence[str], num_images: int) -> None:
        table = PrettyTable(field_names=['class', 'per-image IoU', 'images counted'])
        for name in names:
            table.add_row([name, f'{metrics[f"per_image_iou.{name}"]:.2f}', metrics[f'per_image_count.{name}']])
        MMLogger.get_current_instance().info(
            f'per-image IoU over {num_images} images (absent from both = {self.absent!r}):\n{table.get_string()}\n'
            f'per_image_mIoU: {metrics["per_image_mIoU"]:.2f}'
        )
