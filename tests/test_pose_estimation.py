# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""BlazePose as a pose provider, the annotator, pose fields of the clothing datasets, EstimatePose, and
pose-input inference on plain photos -- on real CCP photos from ../shared (skipped when absent)."""

import json
import shutil

import cv2
import numpy as np
import pytest
import torch
from conftest import CCP_STEMS, REPO, run_tool
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import mmext  # noqa: F401
from mmext.datasets import CCPDataset
from mmext.datasets.pose_files import dresscode_keypoints_json
from mmext.models.pose import BLAZEPOSE_TO_COCO18, BlazePose
from mmext.models.pose.blazepose import coco18_from_landmarks
from mmext.structures import COCO18_KEYPOINT_NAMES

POSE_INPUT = REPO / 'projects/ccp_pose_aux/configs/clothing4/pose_input.py'
SEG_ONLY = REPO / 'projects/ccp_pose_aux/configs/clothing4/seg_only.py'


def test_blazepose_to_coco18_mapping_follows_the_issue_table():
    expected = {
        'nose': 0,
        'r_shoulder': 12,
        'r_elbow': 14,
        'r_wrist': 16,
        'l_shoulder': 11,
        'l_elbow': 13,
        'l_wrist': 15,
        'r_hip': 24,
        'r_knee': 26,
        'r_ankle': 28,
        'l_hip': 23,
        'l_knee': 25,
        'l_ankle': 27,
        'r_eye': 5,
        'l_eye': 2,
        'r_ear': 8,
        'l_ear': 7,
    }
    assert len(BLAZEPOSE_TO_COCO18) == len(COCO18_KEYPOINT_NAMES) == 18
    assert {name: BLAZEPOSE_TO_COCO18[i] for i, name in enumerate(COCO18_KEYPOINT_NAMES) if name != 'neck'} == expected
    assert BLAZEPOSE_TO_COCO18[COCO18_KEYPOINT_NAMES.index('neck')] is None


def test_coco18_from_landmarks_scales_thresholds_and_builds_the_neck():
    landmarks = np.zeros((33, 3))
    landmarks[:, 0] = np.linspace(0.1, 0.9, 33)
    landmarks[:, 1] = np.linspace(0.2, 0.8, 33)
    landmarks[:, 2] = 0.9
    landmarks[16, 2] = 0.4  # right wrist under the threshold
    landmarks[27, 0] = 1.2  # left ankle outside the photo
    pose = coco18_from_landmarks(landmarks, (200, 100), visibility_threshold=0.5)
    names = list(COCO18_KEYPOINT_NAMES)
    nose = names.index('nose')
    assert pose.keypoints[nose] == pytest.approx([landmarks[0, 0] * 100, landmarks[0, 1] * 200], abs=1e-4)
    neck = names.index('neck')
    assert pose.keypoints[neck] == pytest.approx((landmarks[11, :2] + landmarks[12, :2]) / 2 * [100, 200], abs=1e-4)
    assert not pose.visible[names.index('r_wrist')] and pose.scores[names.index('r_wrist')] == pytest.approx(0.4)
    assert not pose.visible[names.index('l_ankle')]
    assert pose.visible.sum() == 16
    landmarks[12, 2] = 0.1  # one shoulder missing: no neck
    assert not coco18_from_landmarks(landmarks, (200, 100), 0.5).visible[neck]


def test_keypoint_file_round_trips_through_the_dresscode_loader(tmp_path):
    from mmext.datasets.keypoints import load_dresscode_keypoints

    keypoints = np.stack([np.linspace(0.3, 540, 18), np.linspace(5, 830, 18)], axis=1).astype(np.float32)
    visible = np.ones(18, bool)
    visible[3] = False
    content = dresscode_keypoints_json(keypoints, np.full(18, 0.9), visible, (832, 550))
    assert content['keypoints'][3] == [-1.0, -1.0, 0.0, 3]
    path = tmp_path / 'k.json'
    path.write_text(json.dumps(content))
    loaded, shown = load_dresscode_keypoints(str(path), (832, 550))
    assert shown[0].tolist() == visible.astype(np.float32).tolist()
    # Joint 0 lies 0.3 px from the left edge: kept visible (frame x clamped just above Dress Code's x <= 1).
    assert loaded[0, 0] == pytest.approx([1.01 * 550 / 384, 5.0], abs=0.02)
    assert np.abs(loaded[0, 1:][visible[1:]] - keypoints[1:][visible[1:]]).max() < 0.02 * 832 / 512 + 1e-3


@pytest.fixture(scope='module')
def blazepose():
    provider = BlazePose()
    yield provider
    provider.close()


def test_blazepose_finds_the_person_in_real_ccp_photos(ccp_out, blazepose):
    for stem in CCP_STEMS[:2]:
        photo = cv2.imread(str(ccp_out / 'photos' / f'{stem}.jpg'))
        labels = cv2.imread(str(ccp_out / 'labels' / f'{stem}.png'), cv2.IMREAD_UNCHANGED)
        pose = blazepose.estimate([cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)])[0]
        assert pose is not None and pose.keypoints.shape == (18, 2)
        person = cv2.dilate((labels > 0).astype(np.uint8), np.ones((17, 17), np.uint8)) > 0
        on_person = [person[int(y), int(x)] for (x, y), v in zip(pose.keypoints, pose.visible) if v]
        assert len(on_person) >= 12 and np.mean(on_person) >= 0.9
    assert blazepose.estimate([np.zeros((256, 192, 3), np.uint8)]) == [None]
    with pytest.raises(ValueError, match='model_complexity=2'):
        BlazePose(model_complexity=2)


@pytest.fixture(scope='module')
def annotated_ccp(ccp_out, tmp_path_factory):
    """A copy of the converted 5-photo CCP tree with keypoints and skeletons written by annotate_pose.py."""
    root = tmp_path_factory.mktemp('annotated') / 'ccp'
    shutil.copytree(ccp_out, root, symlinks=True)
    result = run_tool(['tools/dataset_converters/annotate_pose.py', '--src', str(root), '--out', str(root)])
    assert 'Estimated 5 photos' in result.stdout and 'on person' in result.stdout
    return root


def test_annotator_writes_dresscode_files_skeletons_and_a_checked_report(annotated_ccp):
    for stem in CCP_STEMS:
        content = json.loads((annotated_ccp / 'keypoints' / f'{stem}.json').read_text())
        joints = content['keypoints']
        assert len(joints) == 18 and [j[3] for j in joints] == list(range(18))
        assert all((j[0] == -1 and j[1] == -1) or (1 < j[0] <= 384 and 1 < j[1] <= 512) for j in joints)
        skeleton = cv2.imread(str(annotated_ccp / 'skeletons' / f'{stem}.jpg'))
        photo = cv2.imread(str(annotated_ccp / 'photos' / f'{stem}.jpg'))
        assert skeleton.shape == photo.shape and skeleton.max() > 100
    report = json.loads((annotated_ccp / 'pose_annotation.json').read_text())
    assert report['estimated'] == 5 and report['no_person'] == []
    per_joint = report['checked_against_labels']['per_joint']
    assert per_joint['nose']['on_person_pct'] >= 80
    assert 'on_arm_hand_or_sleeve_pct' in per_joint['r_wrist'] and 'on_leg_or_shoe_pct' in per_joint['l_ankle']
    assert sum(b['joints'] for b in report['checked_against_labels']['on_person_by_score']) == 5 * 18


def test_annotator_resumes_and_reports_photos_without_a_person(annotated_ccp, tmp_path):
    before = (annotated_ccp / 'keypoints' / '0001.json').stat().st_mtime_ns
    again = run_tool(
        ['tools/dataset_converters/annotate_pose.py', '--src', str(annotated_ccp), '--out', str(annotated_ccp)]
    )
    assert '5 already annotated, 0 to estimate' in again.stdout
    assert (annotated_ccp / 'keypoints' / '0001.json').stat().st_mtime_ns == before
    folder = tmp_path / 'mixed'
    (folder / 'sub').mkdir(parents=True)
    shutil.copy(annotated_ccp / 'photos' / '0003.jpg', folder / 'sub' / 'person.jpg')
    cv2.imwrite(str(folder / 'empty.png'), np.full((120, 80, 3), 128, np.uint8))
    out = tmp_path / 'pose'
    result = run_tool(
        ['tools/dataset_converters/annotate_pose.py', '--src', str(folder), '--out', str(out)], check=False
    )
    assert result.returncode == 1 and 'no person found' in result.stderr and 'empty.png' in result.stderr
    assert (out / 'keypoints' / 'sub' / 'person.json').is_file()
    assert (out / 'skeletons' / 'sub' / 'person.jpg').is_file()
    assert not (out / 'keypoints' / 'empty.json').exists()


def test_annotator_estimates_the_listed_photos_and_checks_only_labelled_ones(ccp_out, tmp_path, capsys):
    """photos/ of the public CCP also holds photos without labels, outside the split lists: they are left alone
    unless --all-photos; the agreement counts only the estimated photos that have a label map, and says so."""
    import runpy

    root = tmp_path / 'ccp'
    shutil.copytree(ccp_out, root, symlinks=False)  # photos/ as a real folder, to add an unlisted photo to
    shutil.copy(root / 'photos' / '0003.jpg', root / 'photos' / '9999.jpg')  # unlisted and unlabelled
    (root / 'labels' / '0051.png').unlink()  # listed, but without a label map
    main = runpy.run_path(str(REPO / 'tools/dataset_converters/annotate_pose.py'))['main']
    assert main(['--src', str(root), '--out', str(root)]) == 0
    out = capsys.readouterr().out
    assert '5 of the 6 photos are named in' in out
    assert not (root / 'keypoints' / '9999.json').exists() and (root / 'keypoints' / '0051.json').is_file()
    report = json.loads((root / 'pose_annotation.json').read_text())
    assert report['estimated'] == 5 and report['photos'] == 5 and report['photos_in_folder'] == 6
    assert report['selection'] == 'split lists'
    checked = report['checked_against_labels']
    assert checked['photos'] == 4 and checked['estimated_without_labels'] == 1
    assert sum(b['joints'] for b in checked['on_person_by_score']) == 4 * 18
    assert 'over the 4 estimated photos that have a label map (1 of the estimated photos have none' in out
    assert report['machine']['cpu'] and report['code']['commit'] and report['command'][0].endswith('annotate_pose.py')

    assert main(['--src', str(root), '--out', str(root), '--all-photos']) == 0
    assert (root / 'keypoints' / '9999.json').is_file()
    report = json.loads((root / 'pose_annotation.json').read_text())
    assert report['selection'] == 'all photos' and report['estimated'] == 1 and report['already_annotated'] == 5
    assert 'checked_against_labels' not in report  # 9999 has no label map


def test_ccp_dataset_carries_pose_paths_and_pose_targets_work(annotated_ccp):
    init_default_scope('mmseg')
    dataset = CCPDataset(
        str(annotated_ccp),
        split='train',
        label_mode='clothing4',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='LoadDressCodeKeypoints'),
            dict(type='LoadSkeletonMask'),
            dict(type='PoseAwareRandomCrop', crop_size=(512, 384)),
            dict(type='PoseAwareRandomFlip', prob=1.0),
            dict(type='GenerateLandmarkHeatmaps', encoder=dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)),
            dict(type='GenerateLimbMaps', encoder=dict(type='LimbMapCodec', stride=4, width=8.0)),
            dict(type='PackMultiTaskInputs'),
        ],
    )
    info = dataset.get_data_info(0)
    assert info['keypoints_path'] == str(annotated_ccp / 'keypoints' / f'{info["sample_id"]}.json')
    assert info['skeleton_path'] == str(annotated_ccp / 'skeletons' / f'{info["sample_id"]}.jpg')
    sample = dataset[0]['data_samples']
    assert sample.gt_heatmaps.data.shape == (18, 128, 96)
    assert sample.gt_landmarks.keypoints_visible.sum() >= 10


def test_estimate_pose_equals_the_annotated_keypoint_file(annotated_ccp):
    init_default_scope('mmseg')
    photo = str(annotated_ccp / 'photos' / '0006.jpg')
    from_file = Compose([dict(type='LoadImageFromFile'), dict(type='LoadDressCodeKeypoints')])(
        dict(img_path=photo, keypoints_path=str(annotated_ccp / 'keypoints' / '0006.json'))
    )
    estimated = Compose([dict(type='LoadImageFromFile'), dict(type='EstimatePose')])(dict(img_path=photo))
    assert estimated['pose_found']
    np.testing.assert_array_equal(estimated['gt_keypoints_visible'], from_file['gt_keypoints_visible'])
    visible = estimated['gt_keypoints_visible'][0] > 0
    # The file stores the 384 x 512 frame to 0.01: at most 0.005 * 832 / 512 px apart.
    assert np.abs(estimated['gt_keypoints'][0][visible] - from_file['gt_keypoints'][0][visible]).max() < 0.01


def test_pose_input_model_runs_on_a_plain_photo_and_returns_its_input_pose(annotated_ccp):
    from mmext.apis import inference_model, init_model

    torch.manual_seed(0)
    model = init_model(str(POSE_INPUT))
    photo = cv2.imread(str(annotated_ccp / 'photos' / '0001.jpg'))
    plain = inference_model(model, photo)
    with_file = inference_model(model, dict(img=photo, keypoints_path=str(annotated_ccp / 'keypoints' / '0001.json')))
    assert plain.seg_map.shape == (832, 550) and plain.input_pose.shape == (18, 3)
    assert (plain.seg_map == with_file.seg_map).mean() > 0.999
    np.testing.assert_allclose(plain.input_pose, with_file.input_pose, atol=0.01)
    assert 'input_pose' in plain.to_dict()
    estimators = [
        step._provider
        for pipeline, _ in model._inference_pipelines.values()
        for step in pipeline.transforms
        if type(step).__name__ == 'EstimatePose'
    ]
    assert len(estimators) == 1 and estimators[0] is not None
    again = inference_model(model, photo)  # the estimator loaded by the first call is reused, not rebuilt
    assert [
        step._provider
        for pipeline, _ in model._inference_pipelines.values()
        for step in pipeline.transforms
        if type(step).__name__ == 'EstimatePose'
    ] == estimators
    np.testing.assert_array_equal(again.input_pose, plain.input_pose)
    rgb_model = init_model(str(SEG_ONLY))
    assert inference_model(rgb_model, photo).input_pose is None
