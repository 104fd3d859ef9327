# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Hand-made model outputs in the dict form evaluators receive (``data_sample.to_dict()``)."""

from typing import Optional

import numpy as np
import torch

CLASSES = ('background', 'upper', 'lower', 'skin')


def metric_sample(pred, label, keypoints=None, gt_keypoints=None, visible=None, depth=None, gt_depth=None) -> dict:
    """A sample with ``pred_sem_seg`` / ``gt_sem_seg`` (H, W), optionally landmarks (K, 2) and depth (H, W)."""
    s = dict(
        pred_sem_seg=dict(data=torch.tensor(pred)[None]),
        gt_sem_seg=dict(data=torch.tensor(label)[None]),
        ori_shape=tuple(np.asarray(label).shape),
    )
    if keypoints is not None:
        s['pred_landmarks'] = dict(keypoints=torch.tensor(keypoints, dtype=torch.float32)[None])
        s['gt_landmarks'] = dict(
            ori_keypoints=torch.tensor(gt_keypoints, dtype=torch.float32)[None],
            ori_keypoints_visible=torch.tensor(visible, dtype=torch.float32)[None],
        )
    if depth is not None:
        s['pred_depth'] = dict(data=torch.tensor(depth, dtype=torch.float32)[None])
        s['gt_depth_map'] = dict(data=torch.tensor(gt_depth, dtype=torch.float32)[None])
    return s


def with_meta(metric, classes: Optional[tuple] = CLASSES):
    """The metric with the data set meta an Evaluator would give it."""
    metric.dataset_meta = dict(classes=classes)
    return metric
