"""MultiTaskMetric on hand-made predictions: IoU, grouped IoU, PCK (and its mean-pose floor), depth."""
import numpy as np
import pytest
import torch

from mmext.evaluation import MultiTaskMetric, keypoint_box_size

CLASSES = ('background', 'upper', 'lower', 'skin')


def sample(pred, label, keypoints=None, gt_keypoints=None, visible=None, depth=None, gt_depth=None):
    s = dict(pred_sem_seg=dict(data=torch.tensor(pred)[None]), gt_sem_seg=dict(data=torch.tensor(label)[None]),
             ori_shape=tuple(np.asarray(label).shape))
    if keypoints is not None:
        s['pred_landmarks'] = dict(keypoints=torch.tensor(keypoints, dtype=torch.float32)[None])
        s['gt_landmarks'] = dict(ori_keypoints=torch.tensor(gt_keypoints, dtype=torch.float32)[None],
                                 ori_keypoints_visible=torch.tensor(visible, dtype=torch.float32)[None])
    if depth is not None:
        s['pred_depth'] = dict(data=torch.tensor(depth, dtype=torch.float32)[None])
        s['gt_depth'] = dict(data=torch.tensor(gt_depth, dtype=torch.float32)[None])
    return s


def metric(**kwargs):
    m = MultiTaskMetric(class_groups=dict(clothing=[1, 2], person=[1, 2, 3]), **kwargs)
    m.dataset_meta = dict(classes=CLASSES)
    return m


def test_iou_and_grouped_iou():
    label = np.array([[0, 1, 1, 2], [0, 3, 3, 2]])
    pred = np.array([[0, 1, 2, 2], [3, 3, 3, 0]])  # an upper pixel called lower, background called skin, ...
    m = metric()
    m.process({}, [sample(pred, label)])
    out = m.compute_metrics(m.results)
    # Pixels numbered 0-7 row by row. background: pred {0,7}, gt {0,4}: 1/3; upper: 1/2; lower: pred {2,3},
    # gt {3,7}: 1/3; skin: pred {4,5,6}, gt {5,6}: 2/3.
    assert out['IoU.background'] == pytest.approx(100 / 3)
    assert out['IoU.upper'] == pytest.approx(50.0)
    assert out['IoU.lower'] == pytest.approx(100 / 3)
    assert out['IoU.skin'] == pytest.approx(200 / 3)
    assert out['mIoU'] == pytest.approx((100 / 3 + 50 + 100 / 3 + 200 / 3) / 4)
    # clothing = {upper, lower}: pred {1,2,3}, gt {1,2,3,7} -> 3/4; person = non-background: pred {1,2,3,4,5,6}
    # gt {1,2,3,5,6,7} -> 5/7.
    assert out['gIoU.clothing'] == pytest.approx(75.0)
    assert out['gIoU.person'] == pytest.approx(500 / 7)


def test_pck_counts_visible_joints_within_the_threshold_and_reports_the_mean_pose_floor():
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
    m = metric()
    m.process({}, [sample(label, label, pred, gt, visible)])
    out = m.compute_metrics(m.results)
    assert out['PCK@0.1'] == pytest.approx(100.0)
    assert out['PCK@0.05'] == pytest.approx(100 * 13 / 17)
    # Without a training split the floor is the evaluated set's own mean pose, labelled as the oracle it is.
    assert out['PCK@0.1_mean_pose_oracle'] == pytest.approx(100.0)  # one image: its own pose is the mean
    assert 'PCK@0.1_mean_pose' not in out
    # A person twice as large halves the distances relative to the box.
    label[:, :] = 3
    m = metric()
    m.process({}, [sample(label, label, pred * 0 + gt + [0, 11.0], gt, visible)])
    assert m.compute_metrics(m.results)['PCK@0.1'] == pytest.approx(100.0)  # 11 px < 0.1 * 120


def test_pck_falls_back_to_the_keypoint_box_without_a_person_group():
    gt = np.stack([np.full(18, 30.0), np.linspace(0, 50, 18)], 1).astype(np.float32)
    label = np.zeros((120, 80), np.int64)
    m = MultiTaskMetric(class_groups=dict(clothing=[1, 2]))
    m.dataset_meta = dict(classes=CLASSES)
    m.process({}, [sample(label, label, gt + [4.0, 0], gt, np.ones(18))])
    out = m.compute_metrics(m.results)
    assert out['PCK@0.1'] == pytest.approx(100.0) and out['PCK@0.05'] == pytest.approx(0.0)  # box 50
    assert keypoint_box_size(gt, np.ones(18)) == pytest.approx(50.0)


def test_mean_pose_floor_is_low_for_varied_poses():
    rng = np.random.default_rng(0)
    m = metric()
    label = np.full((200, 150), 3, np.int64)
    for _ in range(20):
        gt = rng.uniform([0, 0], [150, 200], size=(18, 2)).astype(np.float32)
        m.process({}, [sample(label, label, gt, gt, np.ones(18))])
    out = m.compute_metrics(m.results)
    assert out['PCK@0.1'] == pytest.approx(100.0)
    assert out['PCK@0.1_mean_pose_oracle'] < 20


def test_mean_pose_floor_comes_from_the_training_split(synthetic_dresscode):
    from mmext.datasets import DressCodeDataset, load_dresscode_keypoints
    train = dict(type='DressCodeDataset', data_root=str(synthetic_dresscode), split='train')
    dataset = DressCodeDataset(data_root=str(synthetic_dresscode), split='train', pipeline=[])
    relative = [load_dresscode_keypoints(dataset.get_data_info(i)['keypoints_path'], (1, 1))
                for i in range(len(dataset))]
    expected = sum(k[0] * v[0][:, None] for k, v in relative) / sum(v[0][:, None] for _, v in relative)
    m = metric(mean_pose_dataset=train)
    np.testing.assert_allclose(m.train_mean_pose(), expected, rtol=1e-6)
    label = np.full((128, 96), 3, np.int64)
    gt = (expected * [96, 128]).astype(np.float32)  # an image posed exactly as the training mean
    m.process({}, [sample(label, label, gt, gt, np.ones(18))])
    out = m.compute_metrics(m.results)
    assert out['PCK@0.05_mean_pose'] == pytest.approx(100.0) and 'PCK@0.05_mean_pose_oracle' not in out


def test_depth_errors_after_scale_and_shift_alignment():
    target = np.linspace(0, 1, 48, dtype=np.float32).reshape(6, 8)
    label = np.zeros((6, 8), np.int64)
    m = metric()
    m.process({}, [sample(label, label, depth=3 * target + 2, gt_depth=target)])
    out = m.compute_metrics(m.results)
    assert out['AbsRel'] == pytest.approx(0.0, abs=1e-6) and out['delta1'] == pytest.approx(100.0)
    m = metric()
    noise = np.random.default_rng(0).uniform(0, 1, target.shape).astype(np.float32)
    m.process({}, [sample(label, label, depth=noise, gt_depth=target)])
    worse = m.compute_metrics(m.results)
    assert worse['AbsRel'] > 0.3 and worse['delta1'] < 60
    assert 'PCK@0.1' not in worse
