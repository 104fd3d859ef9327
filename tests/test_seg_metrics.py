# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""ClassIoUMetric and GroupIoUMetric on hand-made label maps, and the evaluator lists of the configs."""

from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from metric_samples import CLASSES, metric_sample, with_meta
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS

from mmext.evaluation import ClassIoUMetric, GroupIoUMetric

LABEL = np.array([[0, 1, 1, 2], [0, 3, 3, 2]])
PRED = np.array([[0, 1, 2, 2], [3, 3, 3, 0]])  # an upper pixel called lower, background called skin, ...


def evaluate(metric, *samples) -> dict:
    metric.process({}, list(samples))
    return metric.compute_metrics(metric.results)


def test_class_iou_names_every_class_unrounded():
    out = evaluate(with_meta(ClassIoUMetric()), metric_sample(PRED, LABEL))
    # Pixels numbered 0-7 row by row. background: pred {0,7}, gt {0,4}: 1/3; upper: 1/2; lower: pred {2,3},
    # gt {3,7}: 1/3; skin: pred {4,5,6}, gt {5,6}: 2/3.
    assert out['IoU.background'] == pytest.approx(100 / 3)
    assert out['IoU.upper'] == pytest.approx(50.0)
    assert out['IoU.lower'] == pytest.approx(100 / 3)
    assert out['IoU.skin'] == pytest.approx(200 / 3)
    assert out['mIoU'] == pytest.approx((100 / 3 + 50 + 100 / 3 + 200 / 3) / 4)
    assert out['aAcc'] == pytest.approx(100 * 5 / 8)  # pixels 0, 1, 3, 5, 6 right
    assert list(out) == ['aAcc', 'mIoU'] + [f'IoU.{c}' for c in CLASSES]


def test_class_iou_counts_like_mmseg_iou_metric():
    rng = np.random.default_rng(0)
    label = rng.integers(0, 4, (2, 16, 12))
    label[0, :3] = 255
    pred = np.where(rng.uniform(size=label.shape) < 0.7, label % 255, rng.integers(0, 4, label.shape))
    samples = [metric_sample(p, lb) for p, lb in zip(pred, label)]
    ours, mmseg = evaluate(with_meta(ClassIoUMetric()), *samples), evaluate(with_meta(IoUMetric()), *samples)
    assert ours['mIoU'] == pytest.approx(mmseg['mIoU'], abs=0.006)  # mmseg rounds to 2 decimals
    assert ours['aAcc'] == pytest.approx(mmseg['aAcc'], abs=0.006)


def test_grouped_iou_merges_the_classes_of_each_group():
    metric = with_meta(GroupIoUMetric(groups=dict(clothing=[1, 2], person=[1, 2, 3])))
    out = evaluate(metric, metric_sample(PRED, LABEL))
    # clothing = {upper, lower}: pred {1,2,3}, gt {1,2,3,7} -> 3/4; person = non-background: pred {1,2,3,4,5,6}
    # gt {1,2,3,5,6,7} -> 5/7.
    assert out == pytest.approx({'gIoU.clothing': 75.0, 'gIoU.person': 500 / 7})


def test_grouped_iou_leaves_ignored_pixels_out_and_sums_over_images():
    label = LABEL.copy()
    label[1, 3] = 255  # pixel 7: truth lower, predicted background
    metric = with_meta(GroupIoUMetric(groups=dict(clothing=[1, 2]), ignore_index=255))
    out = evaluate(metric, metric_sample(PRED, label), metric_sample(LABEL, LABEL))
    # image 1: 3 / 3; image 2 (perfect): 4 / 4 -> 7 / 7
    assert out['gIoU.clothing'] == pytest.approx(100.0)
    metric = with_meta(GroupIoUMetric(groups=dict(absent=[1])))
    assert np.isnan(evaluate(metric, metric_sample(np.zeros((2, 2), int), np.zeros((2, 2), int)))['gIoU.absent'])


def test_grouped_iou_refuses_classes_outside_the_data_set():
    with pytest.raises(ValueError, match="group 'hat'"):
        evaluate(with_meta(GroupIoUMetric(groups=dict(hat=[4]))), metric_sample(PRED, LABEL))
    with pytest.raises(ValueError, match='at least one group'):
        GroupIoUMetric(groups={})


def dresscode_sample(with_landmarks: bool, with_depth: bool) -> dict:
    label = np.zeros((24, 16), np.int64)
    label[4:20, 4:12] = 4
    joints = np.stack([np.linspace(4, 12, 18), np.linspace(4, 20, 18)], 1)
    depth = np.linspace(0, 1, 24 * 16).reshape(24, 16)
    return metric_sample(
        label,
        label,
        *((joints, joints, np.ones(18)) if with_landmarks else ()),
        **(dict(depth=depth, gt_depth=depth) if with_depth else {}),
    )


def test_dresscode_evaluator_reports_the_keys_of_the_former_multitask_metric():
    """Result files, ablation tables and run summaries read these names: the list must keep them, unprefixed."""
    cfg = Config.fromfile(str(REPO / 'configs/ablations/dresscode_aux/depth_aux.py'))
    classes = tuple(f'class{i}' for i in range(18))
    evaluator = Evaluator(cfg.val_evaluator)
    evaluator.dataset_meta = dict(classes=classes)
    evaluator.process([dresscode_sample(True, True), dresscode_sample(True, True)])
    keys = list(evaluator.evaluate(2))
    assert keys == (
        ['aAcc', 'mIoU']
        + [f'IoU.{c}' for c in classes]
        + [f'gIoU.{g}' for g in ('upper', 'lower', 'whole', 'person', 'background')]
        + ['PCK@0.05', 'PCK@0.05_mean_pose_oracle', 'PCK@0.1', 'PCK@0.1_mean_pose_oracle', 'AbsRel', 'delta1']
    )
    # A segmentation-only model: the landmark and depth metrics stay silent.
    evaluator = Evaluator(Config.fromfile(str(REPO / 'configs/ablations/dresscode_aux/seg_only.py')).val_evaluator)
    evaluator.dataset_meta = dict(classes=classes)
    evaluator.process([dresscode_sample(False, False)])
    assert not any(k.startswith(('PCK', 'AbsRel', 'delta1')) for k in evaluator.evaluate(1))


EVALUATED_CONFIGS = sorted(
    p
    for root in ('configs', 'projects')
    for p in (REPO / root).rglob('*.py')
    if '_base_' not in p.parts and 'configs' in p.relative_to(REPO).parts
)


@pytest.mark.parametrize('path', EVALUATED_CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_evaluators_build_unprefixed(path: Path):
    cfg = Config.fromfile(str(path))
    if cfg.get('default_scope', 'mmseg') != 'mmseg':
        pytest.skip(f'{cfg.default_scope} config: built by its own project test')
    for key in ('val_evaluator', 'test_evaluator'):
        entries = cfg[key] if isinstance(cfg[key], list) else [cfg[key]]
        metrics = [METRICS.build(entry) for entry in entries]
        assert all(metric.prefix is None for metric in metrics)
