# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""LandmarkPCKMetric on hand-made landmarks: the configured normaliser, the mean-pose floors, argument checks."""

import numpy as np
import pytest
from metric_samples import metric_sample, with_meta

from mmext.evaluation import LandmarkPCKMetric, keypoint_box_size, mask_box_size


def evaluate(metric, *samples) -> dict:
    metric.process({}, list(samples))
    return metric.compute_metrics(metric.results)


def person_mask_metric(**kwargs) -> LandmarkPCKMetric:
    return with_meta(LandmarkPCKMetric(normalize='person_mask', person_classes=[1, 2, 3], **kwargs))


def test_pck_normalised_by_the_person_mask_box_with_the_oracle_floor():
    gt = np.zeros((18, 2), np.float32)
    gt[:, 0] = np.linspace(10, 50, 18)
    gt[:, 1] = np.linspace(0, 100, 18)
    visible = np.ones(18, np.float32)
    visible[17] = 0
    pred = gt.copy()
    pred[:4] += [0, 7.0]  # 7 px off: within 0.1 * 100, outside 0.05 * 100
    pred[17] += 500  # invisible: ignored
    label = np.zeros((120, 80), np.int64)
    label[10:110, 20:60] = 3  # the person box is 100 x 40 -> normaliser 100
    out = evaluate(person_mask_metric(), metric_sample(label, label, pred, gt, visible))
    assert out['PCK@0.1'] == pytest.approx(100.0)
    assert out['PCK@0.05'] == pytest.approx(100 * 13 / 17)
    # Without a training split the floor is the evaluated set's own mean pose, labelled as the oracle it is.
    assert out['PCK@0.1_mean_pose_oracle'] == pytest.approx(100.0)  # one image: its own pose is the mean
    assert 'PCK@0.1_mean_pose' not in out
    # A person twice as large halves the distances relative to the box.
    label[:, :] = 3
    out = evaluate(person_mask_metric(), metric_sample(label, label, gt + [0, 11.0], gt, visible))
    assert out['PCK@0.1'] == pytest.approx(100.0)  # 11 px < 0.1 * 120


def test_pck_normalised_by_the_keypoint_box():
    gt = np.stack([np.full(18, 30.0), np.linspace(0, 50, 18)], 1).astype(np.float32)
    label = np.zeros((120, 80), np.int64)  # no person pixels: the labels play no part
    out = evaluate(
        with_meta(LandmarkPCKMetric(normalize='keypoint_box')),
        metric_sample(label, label, gt + [4.0, 0], gt, np.ones(18)),
    )
    assert out['PCK@0.1'] == pytest.approx(100.0) and out['PCK@0.05'] == pytest.approx(0.0)  # box 50
    assert keypoint_box_size(gt, np.ones(18)) == pytest.approx(50.0)


def test_box_sizes():
    import torch

    mask = torch.zeros(10, 8, dtype=torch.bool)
    assert mask_box_size(mask) == 0.0
    mask[2:5, 1:7] = True
    assert mask_box_size(mask) == pytest.approx(6.0)
    assert keypoint_box_size(np.zeros((18, 2)), np.eye(18)[0]) == 0.0  # one visible joint: no box


def test_the_normaliser_is_named_explicitly():
    with pytest.raises(TypeError):
        LandmarkPCKMetric()
    with pytest.raises(ValueError, match='normalize must be one of'):
        LandmarkPCKMetric(normalize='person')
    with pytest.raises(ValueError, match='person_classes'):
        LandmarkPCKMetric(normalize='person_mask')
    with pytest.raises(ValueError, match='person_classes'):
        LandmarkPCKMetric(normalize='keypoint_box', person_classes=[1])


def test_samples_without_landmark_predictions_report_nothing():
    label = np.zeros((4, 4), np.int64)
    metric = person_mask_metric()
    metric.process({}, [metric_sample(label, label), metric_sample(label, label)])
    assert metric.results == [None, None]  # one entry per sample: distributed collection trims by count
    assert metric.compute_metrics(metric.results) == {}


def test_mean_pose_floor_is_low_for_varied_poses():
    rng = np.random.default_rng(0)
    label = np.full((200, 150), 3, np.int64)
    samples = []
    for _ in range(20):
        gt = rng.uniform([0, 0], [150, 200], size=(18, 2)).astype(np.float32)
        samples.append(metric_sample(label, label, gt, gt, np.ones(18)))
    out = evaluate(person_mask_metric(), *samples)
    assert out['PCK@0.1'] == pytest.approx(100.0)
    assert out['PCK@0.1_mean_pose_oracle'] < 20


def test_mean_pose_floor_comes_from_the_training_split(synthetic_dresscode):
    from mmext.datasets import DressCodeDataset, load_dresscode_keypoints

    train = dict(type='DressCodeDataset', data_root=str(synthetic_dresscode), split='train')
    dataset = DressCodeDataset(data_root=str(synthetic_dresscode), split='train', pipeline=[])
    relative = [
        load_dresscode_keypoints(dataset.get_data_info(i)['keypoints_path'], (1, 1)) for i in range(len(dataset))
    ]
    expected = sum(k[0] * v[0][:, None] for k, v in relative) / sum(v[0][:, None] for _, v in relative)
    metric = person_mask_metric(mean_pose_dataset=train)
    np.testing.assert_allclose(metric.train_mean_pose(), expected, rtol=1e-6)
    label = np.full((128, 96), 3, np.int64)
    gt = (expected * [96, 128]).astype(np.float32)  # an image posed exactly as the training mean
    out = evaluate(metric, metric_sample(label, label, gt, gt, np.ones(18)))
    assert out['PCK@0.05_mean_pose'] == pytest.approx(100.0) and 'PCK@0.05_mean_pose_oracle' not in out
