# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The pose codecs: one object encodes the targets in the pipeline and decodes the head's predictions."""

import numpy as np
import pytest
import torch
from mmengine import Config
from mmpose.registry import KEYPOINT_CODECS

import mmext  # noqa: F401  (registers the codecs)
from mmext.codecs import LimbMapCodec, StridedMSRAHeatmap
from mmext.structures import COCO18_METAINFO, COCO18_SKELETON


def keypoints_and_visibility():
    rng = np.random.default_rng(0)
    keypoints = np.stack([rng.uniform(4, 180, 18), rng.uniform(4, 250, 18)], -1)[None].astype(np.float32)
    visible = np.ones((1, 18), np.float32)
    visible[0, [3, 10]] = 0
    return keypoints, visible


def test_heatmap_codec_round_trips_keypoints_of_any_image_size():
    codec = KEYPOINT_CODECS.build(dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0))
    keypoints, visible = keypoints_and_visibility()
    for image_hw in ((256, 192), (257, 190)):
        encoded = codec.encode(keypoints, visible, img_shape=image_hw)
        assert encoded['heatmaps'].shape == (18, -(-image_hw[0] // 4), -(-image_hw[1] // 4))
        decoded, scores = codec.decode(encoded['heatmaps'])
        seen = visible[0] > 0
        # Decoding finds the Gaussian's peak cell (sub-cell refinement): within a cell of the joint.
        assert np.abs(decoded[0, seen] - keypoints[0, seen]).max() <= 4
        assert encoded['keypoint_weights'][0, ~seen].max() == 0 and scores[0, seen].min() > 0.5


def test_limb_codec_draws_one_channel_per_link_and_decodes_logits_to_probabilities():
    codec = KEYPOINT_CODECS.build(dict(type='LimbMapCodec', stride=2, width=6.0))
    keypoints, visible = keypoints_and_visibility()
    maps = codec.encode(keypoints, visible, img_shape=(256, 192))['limb_maps']
    assert maps.shape == (len(COCO18_SKELETON), 128, 96) and codec.num_limbs == len(COCO18_SKELETON)
    for channel, (a, b) in enumerate(COCO18_SKELETON):
        assert (maps[channel].sum() > 0) == bool(visible[0, a] and visible[0, b])
    short = LimbMapCodec(stride=2, width=6.0, skeleton_links=[(0, 1)])
    assert short.encode(keypoints, visible, img_shape=(256, 192))['limb_maps'].shape == (1, 128, 96)
    torch.testing.assert_close(codec.decode(torch.zeros(1, 17, 2, 2)), torch.full((1, 17, 2, 2), 0.5))


@pytest.mark.parametrize(
    'cfg',
    [dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0), dict(type='LimbMapCodec', stride=4, width=6.0)],
    ids=lambda cfg: cfg['type'],
)
def test_codecs_are_mmpose_codecs_taking_the_image_size_as_an_auxiliary_encode_key(cfg):
    from mmpose.codecs.base import BaseKeypointCodec

    codec = KEYPOINT_CODECS.build(cfg)
    assert isinstance(codec, BaseKeypointCodec) and codec.auxiliary_encode_keys == {'img_shape'}
    keypoints, visible = keypoints_and_visibility()
    with pytest.raises(ValueError, match='img_shape'):
        codec.encode(keypoints, visible)
    # mmpose's calling convention (keywords, visibility optional: every joint visible).
    everything = codec.encode(keypoints=keypoints, img_shape=(257, 190))
    assert next(iter(everything.values())).shape[1:] == (65, 48)


def test_mmpose_generate_target_and_the_segmentation_target_transform_encode_alike():
    """mmpose's GenerateTarget hands the codec its auxiliary_encode_keys from the results, as mmext's
    GenerateLandmarkHeatmaps does: the same codec gives the same targets through either."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import TRANSFORMS as POSE_TRANSFORMS
    from mmseg.registry import TRANSFORMS

    keypoints, visible = keypoints_and_visibility()
    codec = dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)
    init_default_scope('mmpose')
    theirs = POSE_TRANSFORMS.build(dict(type='GenerateTarget', encoder=codec))(
        dict(keypoints=keypoints, keypoints_visible=visible, img_shape=(257, 190))
    )
    init_default_scope('mmseg')
    ours = TRANSFORMS.build(dict(type='GenerateLandmarkHeatmaps', encoder=codec))(
        dict(gt_keypoints=keypoints, gt_keypoints_visible=visible, img_shape=(257, 190))
    )
    assert theirs['heatmaps'].shape == (18, 65, 48)
    np.testing.assert_array_equal(ours['gt_heatmaps'], theirs['heatmaps'])
    np.testing.assert_array_equal(ours['gt_keypoint_weights'], theirs['keypoint_weights'])


def test_heads_take_stride_and_channels_from_their_decoder():
    from mmseg.registry import MODELS

    landmarks = MODELS.build(
        dict(
            type='LandmarkHeatmapHead',
            in_channels=8,
            in_index=0,
            channels=8,
            decoder=dict(type='StridedMSRAHeatmap', stride=8, sigma=1.5),
        )
    )
    skeleton = MODELS.build(
        dict(
            type='SkeletonHead',
            in_channels=8,
            in_index=0,
            channels=8,
            decoder=dict(type='LimbMapCodec', stride=2, skeleton_links=[(0, 1), (1, 2)]),
        )
    )
    assert isinstance(landmarks.decoder, StridedMSRAHeatmap) and landmarks.target_stride == 8
    assert skeleton.target_stride == 2 and skeleton.conv_out.out_channels == 2


def test_the_configs_give_pipeline_and_heads_the_same_codec():
    for path in (
        'configs/topformer_pose_aux.py',
        'projects/ccp_pose_aux/configs/clothing4/landmarks_skeleton.py',
        'configs/quickstart/topformer_b_dresscode_cpu.py',
    ):
        cfg = Config.fromfile(path)
        encoders = {
            step['type']: step['encoder'] for step in cfg.train_dataloader.dataset.pipeline if 'encoder' in step
        }
        heads = cfg.model.aux_task_heads
        assert heads.landmarks.decoder == encoders['GenerateLandmarkHeatmaps'], path
        assert heads.skeleton.decoder == encoders['GenerateLimbMaps'], path


def test_flip_without_flip_indices_names_the_sample():
    from mmseg.registry import TRANSFORMS

    keypoints, visible = keypoints_and_visibility()
    results = dict(
        img=np.zeros((256, 192, 3), np.uint8),
        img_path='photo.jpg',
        gt_keypoints=keypoints,
        gt_keypoints_visible=visible,
        seg_fields=[],
    )
    flip = TRANSFORMS.build(dict(type='PoseAwareRandomFlip', prob=1.0))
    with pytest.raises(KeyError, match='photo.jpg.*flip_indices'):
        flip(dict(results))
    out = flip(dict(results, flip_indices=COCO18_METAINFO['flip_indices']))
    r_shoulder, l_shoulder = 2, 5
    np.testing.assert_allclose(out['gt_keypoints'][0, l_shoulder, 0], 191 - keypoints[0, r_shoulder, 0])
