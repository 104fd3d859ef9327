# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The synthetic Dress Code generator: layout, determinism, garments consistent with the keypoints."""

import hashlib
import json

import cv2
import numpy as np
import pytest
from conftest import run_tool

from mmext.datasets.dresscode_meta import CATEGORIES, KEYPOINT_FRAME_WH
from mmext.structures import COCO18_SKELETON
from mmext.testing.synthetic_dresscode import (
    DRESS,
    LEFT_ARM,
    PANTS,
    RIGHT_ARM,
    SKIRT,
    UPPER,
    generate_sample,
    make_dirs,
    write_pair_lists,
)

SUFFIXES = (
    'images/{}_0.jpg',
    'images/{}_1.jpg',
    'keypoints/{}_2.json',
    'label_maps/{}_4.png',
    'skeletons/{}_5.jpg',
    'dense/{}_5.png',
    'dense/{}_5_uv.npz',
)


def tree_digest(root) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*'))
        if p.is_file()
    }


def test_every_file_of_the_layout_is_written(synthetic_dresscode):
    for category in CATEGORIES:
        folder = synthetic_dresscode / category
        for name in ('train_pairs.txt', 'test_pairs_paired.txt', 'test_pairs_unpaired.txt'):
            assert (folder / name).is_file()
        train = (folder / 'train_pairs.txt').read_text().split('\n')[:-1]
        test = (folder / 'test_pairs_paired.txt').read_text().split('\n')[:-1]
        assert len(train) == 8 and len(test) == 2
        for line in train + test:
            model, garment = line.split()
            sid = model[:6]
            assert model == f'{sid}_0.jpg' and garment == f'{sid}_1.jpg'
            for pattern in SUFFIXES:
                assert (folder / pattern.format(sid)).is_file(), pattern.format(sid)
            photo = cv2.imread(str(folder / f'images/{sid}_0.jpg'))
            labels = cv2.imread(str(folder / f'label_maps/{sid}_4.png'), cv2.IMREAD_UNCHANGED)
            assert photo.shape == (128, 96, 3) and labels.shape == (128, 96) and labels.dtype == np.uint8
            assert labels.max() <= 17 and (labels > 0).mean() > 0.1
            keypoints = json.loads((folder / f'keypoints/{sid}_2.json').read_text())['keypoints']
            assert len(keypoints) == 18 and [k[3] for k in keypoints] == list(range(18))
            uv = np.load(folder / f'dense/{sid}_5_uv.npz')['uv']
            assert uv.shape == (2, 128, 96)


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    digests = []
    for name, seed in (('a', 3), ('b', 3), ('c', 4)):
        root = tmp_path / name
        make_dirs(str(root), ['lower_body'])
        ids = [generate_sample(str(root), 'lower_body', i, seed, (64, 48)) for i in range(3)]
        write_pair_lists(str(root), 'lower_body', ids, seed)
        digests.append(tree_digest(root))
    assert digests[0] == digests[1]
    assert digests[0].keys() == digests[2].keys()
    assert digests[0]['lower_body/label_maps/100000_4.png'] != digests[2]['lower_body/label_maps/100000_4.png']


def _label_at(labels, point, scale):
    x, y = (int(round(v)) for v in np.asarray(point) * scale)
    return labels[min(max(y, 0), labels.shape[0] - 1), min(max(x, 0), labels.shape[1] - 1)]


@pytest.fixture(scope='module')
def consistency_set(tmp_path_factory):
    root = tmp_path_factory.mktemp('consistency')
    make_dirs(str(root), CATEGORIES)
    samples = []
    for category in CATEGORIES:
        for i in range(25):
            sid = generate_sample(str(root), category, i, seed=11, size_hw=(256, 192))
            labels = cv2.imread(str(root / category / f'label_maps/{sid}_4.png'), cv2.IMREAD_UNCHANGED)
            joints = json.loads((root / category / f'keypoints/{sid}_2.json').read_text())['keypoints']
            samples.append((category, labels, np.array([j[:2] for j in joints]), np.array([j[2] > 0 for j in joints])))
    return samples


def test_garments_are_consistent_with_the_keypoints(consistency_set):
    scale = np.array([192 / KEYPOINT_FRAME_WH[0], 256 / KEYPOINT_FRAME_WH[1]])
    torso_ok, sleeve_ok, thigh_ok, shin_pants, torso_n, sleeve_n, thigh_n, shin_n = 0, 0, 0, 0, 0, 0, 0, 0
    for category, labels, joints, visible in consistency_set:
        top = DRESS if category == 'dresses' else UPPER
        mid_hip = (joints[8] + joints[11]) / 2
        # Upper garment / dress bodice spans shoulders to hips.
        for t in (0.3, 0.5, 0.7):
            torso_n += 1
            torso_ok += _label_at(labels, joints[1] + (mid_hip - joints[1]) * t, scale) == top
        # Sleeves follow the upper arms (every synthetic top has sleeves).
        if category != 'dresses':
            for shoulder, elbow in ((2, 3), (5, 6)):
                sleeve_n += 1
                sleeve_ok += (
                    _label_at(labels, joints[shoulder] + (joints[elbow] - joints[shoulder]) * 0.3, scale)
                    in (UPPER, LEFT_ARM, RIGHT_ARM)
                    and _label_at(labels, joints[shoulder] + (joints[elbow] - joints[shoulder]) * 0.15, scale) == UPPER
                )
        # Trousers / skirts / dresses cover the thighs.
        for hip, knee in ((8, 9), (11, 12)):
            if visible[hip] and visible[knee]:
                thigh_n += 1
                label = _label_at(labels, joints[hip] + (joints[knee] - joints[hip]) * 0.5, scale)
                thigh_ok += label == DRESS if category == 'dresses' else label in (PANTS, SKIRT)
        # Full-length trousers follow the shins down to the ankles.
        for knee, ankle in ((9, 10), (12, 13)):
            if visible[knee] and visible[ankle] and _label_at(labels, joints[knee], scale) == PANTS:
                shin_n += 1
                shin_pants += _label_at(labels, joints[knee] + (joints[ankle] - joints[knee]) * 0.6, scale) == PANTS
    assert torso_ok / torso_n > 0.85, (torso_ok, torso_n)
    assert sleeve_ok / sleeve_n > 0.9, (sleeve_ok, sleeve_n)
    assert thigh_ok / thigh_n > 0.9, (thigh_ok, thigh_n)
    assert shin_n >= 10 and shin_pants / shin_n > 0.9, (shin_pants, shin_n)


def test_variety_of_poses_and_outfits(consistency_set):
    shoulder_widths = [abs(j[5, 0] - j[2, 0]) for _, _, j, _ in consistency_set]
    wrist_heights = [j[4, 1] - j[2, 1] for _, _, j, v in consistency_set if v[4] and v[2]]
    assert np.std(shoulder_widths) > 3 and np.std(wrist_heights) > 10
    lower = {category: set() for category in CATEGORIES}
    for category, labels, _, _ in consistency_set:
        lower[category].update(set(np.unique(labels)) & {PANTS, SKIRT, DRESS})
    assert lower['lower_body'] == {PANTS, SKIRT} and lower['dresses'] == {DRESS}
    assert sum(not v.all() for *_, v in consistency_set) >= 3  # some joints are missing (crops, turned heads)


def test_skeleton_image_draws_visible_limbs(synthetic_dresscode):
    folder = synthetic_dresscode / 'upper_body'
    sid = '000004'
    skeleton = cv2.imread(str(folder / f'skeletons/{sid}_5.jpg'))
    joints = json.loads((folder / f'keypoints/{sid}_2.json').read_text())['keypoints']
    scale = np.array([96 / 384, 128 / 512])
    for a, b in COCO18_SKELETON:
        if joints[a][2] > 0 and joints[b][2] > 0:
            mid = (np.array(joints[a][:2]) + np.array(joints[b][:2])) / 2 * scale
            assert skeleton[int(mid[1]), int(mid[0])].max() > 60, (a, b)
    assert skeleton.mean() < 60  # black background


def test_cli_writes_marker_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / 'dc'
    result = run_tool(
        [
            'tools/misc/make_synthetic_dresscode.py',
            '--out',
            str(out),
            '--num',
            '2',
            '--seed',
            '1',
            '--size',
            '64x48',
            '--categories',
            'dresses',
        ]
    )
    assert 'Wrote 2 samples' in result.stdout and str(out) in result.stdout
    assert (out / 'SYNTHETIC_DRESSCODE.txt').is_file()
    before = tree_digest(out)
    again = run_tool(['tools/misc/make_synthetic_dresscode.py', '--out', str(out), '--num', '2'], check=False)
    assert again.returncode == 1 and 'not empty' in again.stderr
    assert tree_digest(out) == before
    bad = run_tool(
        ['tools/misc/make_synthetic_dresscode.py', '--out', str(tmp_path / 'x'), '--num', '1', '--size', 'big'],
        check=False,
    )
    assert bad.returncode == 2 and 'HxW' in bad.stderr
