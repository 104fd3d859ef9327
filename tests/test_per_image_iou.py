# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""PerImageIoUMetric on hand-made predictions with known answers."""

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS

from mmext.evaluation import PerImageIoUMetric

CLASSES = ('background', 'upper', 'lower')
# Two 1 x 8 images.
#   image 1: truth all upper; the prediction finds half of it -> background 0/4, upper 4/8, lower absent.
#   image 2: upper 1, background 4/6, lower in the truth but not predicted -> 0/2.
TRUTH = [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0, 2, 2]]
PRED = [[1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0]]


def sample(pred, truth):
    return dict(pred_sem_seg=dict(data=torch.tensor([pred])), gt_sem_seg=dict(data=torch.tensor([truth])))


def evaluate(preds=PRED, truths=TRUTH, **kwargs):
    metric = PerImageIoUMetric(**kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [sample(p, t) for p, t in zip(preds, truths)])
    return metric.evaluate(len(preds))


def test_per_image_mean_differs_from_dataset_iou():
    result = evaluate()
    assert result['per_image_iou.background'] == pytest.approx(100 * (0 + 4 / 6) / 2)
    assert result['per_image_iou.upper'] == pytest.approx(100 * (4 / 8 + 2 / 2) / 2)  # 75
    assert result['per_image_iou.lower'] == pytest.approx(0.0)  # image 1 does not count (skip)
    assert result['per_image_count.lower'] == 1 and result['per_image_count.upper'] == 2
    assert result['per_image_mIoU'] == pytest.approx((100 * 1 / 3 + 75 + 0) / 3)
    # mmseg's data-set level IoU of upper: (4 + 2) / (8 + 2) = 60, not 75.
    counts = [IoUMetric.intersect_and_union(torch.tensor(p), torch.tensor(t), 3, 255) for p, t in zip(PRED, TRUTH)]
    inter, union = sum(c[0] for c in counts), sum(c[1] for c in counts)
    assert float(inter[1] / union[1]) == pytest.approx(0.6)


def test_absent_class_conventions():
    skip, one = evaluate(absent='skip'), evaluate(absent='one')
    assert skip['per_image_iou.lower'] == pytest.approx(0.0)
    assert one['per_image_iou.lower'] == pytest.approx(50.0)  # (1 + 0) / 2
    assert one['per_image_count.lower'] == 2
    for name in ('background', 'upper'):  # present in every image: the convention does not matter
        assert one[f'per_image_iou.{name}'] == pytest.approx(skip[f'per_image_iou.{name}'])
    assert one['per_image_mIoU'] == pytest.approx((100 / 3 + 75 + 50) / 3)
    # A class absent from every image: NaN with 'skip' (and left out of the mean), 100 with 'one'.
    only_background = evaluate(preds=[[0, 0]], truths=[[0, 0]])
    assert np.isnan(only_background['per_image_iou.lower'])
    assert only_background['per_image_mIoU'] == pytest.approx(100.0)
    assert evaluate(preds=[[0, 0]], truths=[[0, 0]], absent='one')['per_image_iou.lower'] == pytest.approx(100.0)
    with pytest.raises(ValueError, match='absent'):
        PerImageIoUMetric(absent='zero')


def test_ignore_index_and_class_subset():
    # The two ignored pixels are predicted upper: they count neither as false positives nor as background.
    result = evaluate(preds=[[1, 1, 1, 1, 0, 0]], truths=[[1, 1, 255, 255, 0, 0]])
    assert result['per_image_iou.upper'] == pytest.approx(100.0)
    assert result['per_image_iou.background'] == pytest.approx(100.0)
    result = evaluate(preds=[[1, 1, 1, 1, 0, 0]], truths=[[1, 1, 7, 7, 0, 0]], ignore_index=7)
    assert result['per_image_iou.upper'] == pytest.approx(100.0)
    every = evaluate()  # default: every class
    assert {k for k in every if k.startswith('per_image_iou.')} == {f'per_image_iou.{c}' for c in CLASSES}
    metric = PerImageIoUMetric(classes=('upper', 2))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [sample(p, t) for p, t in zip(PRED, TRUTH)])
    result = metric.evaluate(2)
    assert {k for k in result if k.startswith('per_image_iou.')} == {'per_image_iou.upper', 'per_image_iou.lower'}
    assert result['per_image_mIoU'] == pytest.approx((75 + 0) / 2)
    metric = PerImageIoUMetric(classes=('sleeve',))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [sample(p, t) for p, t in zip(PRED, TRUTH)])
    with pytest.raises(ValueError, match='sleeve'):
        metric.evaluate(2)


def test_registered_in_mmseg_metrics():
    init_default_scope('mmseg')
    metric = METRICS.build(dict(type='PerImageIoUMetric', absent='one', classes=['upper']))
    assert isinstance(metric, PerImageIoUMetric) and metric.absent == 'one'
