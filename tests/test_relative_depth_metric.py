# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""RelativeDepthMetric: AbsRel and delta1 after per-image scale-and-shift alignment."""

import numpy as np
import pytest
from metric_samples import metric_sample, with_meta

from mmext.evaluation import RelativeDepthMetric

TARGET = np.linspace(0, 1, 48, dtype=np.float32).reshape(6, 8)
LABEL = np.zeros((6, 8), np.int64)


def evaluate(*samples) -> dict:
    metric = with_meta(RelativeDepthMetric())
    metric.process({}, list(samples))
    return metric.compute_metrics(metric.results)


def test_depth_errors_after_scale_and_shift_alignment():
    out = evaluate(metric_sample(LABEL, LABEL, depth=3 * TARGET + 2, gt_depth=TARGET))
    assert out['AbsRel'] == pytest.approx(0.0, abs=1e-6) and out['delta1'] == pytest.approx(100.0)
    noise = np.random.default_rng(0).uniform(0, 1, TARGET.shape).astype(np.float32)
    worse = evaluate(metric_sample(LABEL, LABEL, depth=noise, gt_depth=TARGET))
    assert worse['AbsRel'] > 0.3 and worse['delta1'] < 60
    assert set(worse) == {'AbsRel', 'delta1'}


def test_samples_without_depth_predictions_are_skipped():
    assert evaluate(metric_sample(LABEL, LABEL)) == {}
    mixed = evaluate(metric_sample(LABEL, LABEL), metric_sample(LABEL, LABEL, depth=TARGET, gt_depth=TARGET))
    assert mixed['AbsRel'] == pytest.approx(0.0, abs=1e-6) and mixed['delta1'] == pytest.approx(100.0)
