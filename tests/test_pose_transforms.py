# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Pose-aware transforms: targets follow resize, crop and flip; left stays left; packing; extra inputs."""

import copy

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS, TRANSFORMS

from mmext.structures import COCO18_FLIP_PAIRS, COCO18_SKELETON
from mmext.testing.synthetic_dresscode import LEFT_ARM, LEFT_LEG, RIGHT_ARM, RIGHT_LEG

L_ELB, L_WRI, R_ELB, R_WRI, L_KNEE, R_KNEE = 6, 7, 3, 4, 12, 9


def load_sample(root, index=0, category='upper_body', extra=()):
    init_default_scope('mmseg')
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='LoadDressCodeKeypoints'),
        *extra,
    ]
    dataset = DATASETS.build(
        dict(type='DressCodeDataset', data_root=str(root), categories=(category,), pipeline=pipeline)
    )
    return dataset[index]


def build(cfg):
    return TRANSFORMS.build(cfg)


def side_labels_agree(results) -> int:
    """Count joints whose label is their own side's arm/leg; assert none lands on the other side's."""
    labels = results['gt_seg_map']
    checked = 0
    sides = {L_ELB: LEFT_ARM, L_WRI: LEFT_ARM, R_ELB: RIGHT_ARM, R_WRI: RIGHT_ARM, L_KNEE: LEFT_LEG, R_KNEE: RIGHT_LEG}
    mirror = {LEFT_ARM: RIGHT_ARM, RIGHT_ARM: LEFT_ARM, LEFT_LEG: RIGHT_LEG, RIGHT_LEG: LEFT_LEG}
    for joint, own in sides.items():
        if results['gt_keypoints_visible'][0, joint] == 0:
            continue
        x, y = results['gt_keypoints'][0, joint]
        label = labels[min(int(y), labels.shape[0] - 1), min(int(x), labels.shape[1] - 1)]
        assert label != mirror[own], (joint, label)
        checked += label == own
    return checked


def test_random_resize_scales_keypoints_with_the_image(synthetic_dresscode):
    results = load_sample(synthetic_dresscode)
    before = results['gt_keypoints'].copy()
    out = build(dict(type='RandomResize', scale=(96, 128), ratio_range=(2.0, 2.0), keep_ratio=True))(results)
    assert out['img'].shape[:2] == (256, 192)
    np.testing.assert_allclose(out['gt_keypoints'], before * 2, rtol=1e-5)
    np.testing.assert_array_equal(out['ori_keypoints'], before)  # evaluation keeps the original frame


def test_crop_shifts_keypoints_and_hides_the_ones_outside(synthetic_dresscode):
    results = load_sample(synthetic_dresscode)
    before, visible = results['gt_keypoints'].copy(), results['gt_keypoints_visible'].copy()
    crop = build(dict(type='PoseAwareRandomCrop', crop_size=(64, 96)))
    with _fixed_bbox(crop, (30, 94, 0, 96)):
        out = crop(results)
    assert out['img'].shape[:2] == (64, 96) and out['gt_seg_map'].shape == (64, 96)
    inside = visible[0] * (before[0, :, 1] >= 30) * (before[0, :, 1] < 94)
    np.testing.assert_array_equal(out['gt_keypoints_visible'][0], inside)
    kept = inside > 0
    np.testing.assert_allclose(out['gt_keypoints'][0, kept], before[0, kept] - [0, 30])
    np.testing.assert_array_equal(out['gt_keypoints'][0, ~kept], 0)
    assert inside.sum() < visible.sum()  # the crop did cut joints


class _fixed_bbox:
    """Force a crop box (y1, y2, x1, x2)."""

    def __init__(self, transform, bbox):
        self.transform, self.bbox = transform, bbox

    def __enter__(self):
        self.transform.crop_bbox = lambda results: self.bbox

    def __exit__(self, *exc):
        del self.transform.crop_bbox


def test_flip_mirrors_keypoints_swaps_left_right_and_only_swaps_the_label_map(synthetic_dresscode):
    results = load_sample(synthetic_dresscode, extra=[dict(type='LoadDepthMap')])
    original = copy.deepcopy(results)
    flip = build(dict(type='PoseAwareRandomFlip', prob=1.0, seg_swap_pairs=[(9, 10), (12, 13), (14, 15)]))
    out = flip(results)
    width = original['img'].shape[1]
    assert out['flip'] and out['flip_direction'] == 'horizontal'
    np.testing.assert_array_equal(out['img'], original['img'][:, ::-1])
    np.testing.assert_array_equal(out['gt_depth_map'], original['gt_depth_map'][:, ::-1])  # no label swap in depth
    labels, flipped_labels = original['gt_seg_map'][:, ::-1], out['gt_seg_map']
    for a, b in ((9, 10), (12, 13), (14, 15)):
        np.testing.assert_array_equal(flipped_labels == a, labels == b)
    for a, b in COCO18_FLIP_PAIRS:
        for joint, mirror in ((a, b), (b, a)):
            assert out['gt_keypoints_visible'][0, joint] == original['gt_keypoints_visible'][0, mirror]
            if original['gt_keypoints_visible'][0, mirror]:
                # mmpose's rule for pixel-index coordinates: x -> W - 1 - x (pixel x lands on pixel W - 1 - x).
                np.testing.assert_allclose(
                    out['gt_keypoints'][0, joint],
                    [width - 1 - original['gt_keypoints'][0, mirror, 0], original['gt_keypoints'][0, mirror, 1]],
                    rtol=1e-6,
                )
    side_labels_agree(original)
    side_labels_agree(out)


def test_full_train_pipeline_keeps_joints_on_their_own_body_side(synthetic_dresscode):
    """Random resize + crop + flip on many samples: a left wrist always lands on the left arm (or sleeve)."""
    np.random.seed(0)
    steps = [
        dict(type='RandomResize', scale=(96, 128), ratio_range=(0.8, 1.6), keep_ratio=True),
        dict(type='PoseAwareRandomCrop', crop_size=(112, 84)),
        dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs=[(9, 10), (12, 13), (14, 15)]),
    ]
    checked = 0
    for category in ('upper_body', 'lower_body', 'dresses'):
        for index in range(8):
            out = Compose([build(s) for s in steps])(load_sample(synthetic_dresscode, index, category))
            checked += side_labels_agree(out)
    assert checked > 40  # joints on bare arms / legs (sleeves and trousers cover the others)


def test_landmark_heatmaps_peak_at_the_joints_and_weigh_zero_when_invisible():
    keypoints = np.array([[[20.0, 40.0]] * 18], np.float32)
    keypoints[0, 1] = [50.0, 10.0]
    visible = np.ones((1, 18), np.float32)
    visible[0, 2] = 0
    results = dict(gt_keypoints=keypoints, gt_keypoints_visible=visible, img_shape=(64, 56))
    encoder = dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)
    out = build(dict(type='GenerateLandmarkHeatmaps', encoder=encoder))(results)
    heatmaps, weights = out['gt_heatmaps'], out['gt_keypoint_weights']
    assert heatmaps.shape == (18, 16, 14) and weights.shape == (1, 18)
    assert np.unravel_index(heatmaps[0].argmax(), heatmaps[0].shape) == (10, 5)  # (40/4, 20/4)
    assert np.unravel_index(heatmaps[1].argmax(), heatmaps[1].shape) == (3, 13)  # (2.5, 12.5): mmpose rounds up
    assert heatmaps[0].max() == pytest.approx(1.0)
    assert weights[0, 2] == 0 and heatmaps[2].max() == 0 and weights[0, 0] == 1


def test_limb_maps_follow_visible_limbs_and_flip_consistently(synthetic_dresscode):
    results = load_sample(synthetic_dresscode, index=2)
    limbs = build(dict(type='GenerateLimbMaps', encoder=dict(type='LimbMapCodec', stride=2, width=6.0)))
    maps = limbs(copy.deepcopy(results))['gt_limb_maps']
    assert maps.shape == (len(COCO18_SKELETON), 64, 48) and set(np.unique(maps)) <= {0.0, 1.0}
    keypoints, visible = results['gt_keypoints'][0], results['gt_keypoints_visible'][0]
    for channel, (a, b) in enumerate(COCO18_SKELETON):
        if visible[a] and visible[b]:
            mid = (keypoints[a] + keypoints[b]) / 4
            assert maps[channel, int(mid[1]), int(mid[0])] == 1, (a, b)
        else:
            assert maps[channel].sum() == 0
    flipped = limbs(build(dict(type='PoseAwareRandomFlip', prob=1.0))(copy.deepcopy(results)))['gt_limb_maps']
    mirror = {limb: i for i, limb in enumerate(COCO18_SKELETON)}
    swap = dict(COCO18_FLIP_PAIRS + tuple((b, a) for a, b in COCO18_FLIP_PAIRS))
    for channel, (a, b) in enumerate(COCO18_SKELETON):
        twin = mirror.get((swap.get(a, a), swap.get(b, b)))
        overlap = (flipped[twin] * maps[channel][:, ::-1]).sum() / max(1, maps[channel].sum())
        assert maps[channel].sum() == 0 or overlap > 0.8, (a, b, overlap)


def test_skeleton_mask_and_depth_loading(synthetic_dresscode):
    extra = [dict(type='LoadSkeletonMask'), dict(type='LoadDepthMap')]
    results = load_sample(synthetic_dresscode, index=1, extra=extra)
    mask, depth, labels = results['gt_skeleton_mask'], results['gt_depth_map'], results['gt_seg_map']
    assert mask.shape == depth.shape == labels.shape and mask.dtype == np.uint8
    assert {'gt_skeleton_mask', 'gt_depth_map'} <= set(results['seg_fields'])
    keypoints, visible = results['gt_keypoints'][0], results['gt_keypoints_visible'][0]
    a, b = 2, 3  # right upper arm
    if visible[a] and visible[b]:
        mid = ((keypoints[a] + keypoints[b]) / 2).astype(int)
        assert mask[mid[1] - 1 : mid[1] + 2, mid[0] - 1 : mid[0] + 2].any()
    assert depth.min() == 0 and depth.max() == pytest.approx(1.0)
    assert depth[labels > 0].mean() > depth[labels == 0].mean() + 0.3  # the person is nearer


def test_concat_extra_channels_renders_pose_and_depth(synthetic_dresscode):
    results = load_sample(synthetic_dresscode, index=3, extra=[dict(type='LoadDepthMap')])
    rgb = results['img'].copy()
    untouched = copy.deepcopy(results)
    out = build(
        dict(type='ConcatExtraChannels', sources=('keypoint_heatmaps', 'limb_maps', 'depth'), sigma=3.0, limb_width=4.0)
    )(results)
    image = out['img']
    assert image.shape == (128, 96, 6) and image.dtype == np.float32
    np.testing.assert_array_equal(image[..., :3], rgb)
    np.testing.assert_allclose(image[..., 5], results['gt_depth_map'] * 255, rtol=1e-6)
    joint = int(np.argmax(results['gt_keypoints_visible'][0]))
    x, y = results['gt_keypoints'][0, joint].astype(int)
    assert image[y, x, 3] > 200 and image[..., 3].min() == 0
    per_part = build(dict(type='ConcatExtraChannels', sources=('keypoint_heatmaps', 'limb_maps'), per_part=True))
    assert per_part(untouched)['img'].shape[-1] == 3 + 18 + 17 == 3 + per_part.num_channels()
    with pytest.raises(ValueError, match='sources'):
        build(dict(type='ConcatExtraChannels', sources=('normals',)))


def test_pack_multitask_inputs_carries_every_target(synthetic_dresscode):
    results = load_sample(
        synthetic_dresscode,
        extra=[
            dict(type='LoadSkeletonMask'),
            dict(type='LoadDepthMap'),
            dict(type='GenerateLandmarkHeatmaps', encoder=dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)),
            dict(type='GenerateLimbMaps', encoder=dict(type='LimbMapCodec', stride=4, width=8.0)),
            dict(type='PackMultiTaskInputs'),
        ],
    )
    sample = results['data_samples']
    assert results['inputs'].shape == (3, 128, 96)
    assert sample.gt_sem_seg.data.shape == (1, 128, 96)
    assert sample.gt_heatmaps.data.shape == (18, 32, 24)
    assert sample.gt_limb_maps.data.shape == (17, 32, 24)
    assert sample.gt_skeleton_mask.data.shape == sample.gt_depth_map.data.shape == (1, 128, 96)
    landmarks = sample.gt_landmarks
    assert landmarks.keypoints.shape == (1, 18, 2) and landmarks.keypoint_weights.shape == (1, 18)
    assert torch.equal(landmarks.ori_keypoints, landmarks.keypoints)  # no geometric transform here


def test_multichannel_preprocessor_converts_only_rgb_and_checks_channels():
    init_default_scope('mmseg')
    pre = MODELS.build(
        dict(type='MultiChannelSegDataPreProcessor', mean=[0, 0, 0, 0], std=[1, 1, 1, 1], bgr_to_rgb=True)
    )
    image = torch.stack([torch.full((4, 5), float(v)) for v in (1, 2, 3, 9)])
    out = pre(dict(inputs=[image]), training=False)['inputs']
    assert out[0, :, 0, 0].tolist() == [3, 2, 1, 9]
    with pytest.raises(ValueError, match=r'\[5\] channels but mean/std have 4'):
        pre(dict(inputs=[torch.zeros(5, 4, 5)]), training=False)
