# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""DressCodeDataset: real layout, splits, categories, label modes, keypoints, clear errors."""

import json
import shutil

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

from mmext.datasets import DatasetError, DressCodeDataset, load_dresscode_keypoints
from mmext.datasets.dresscode_meta import LABEL_MODES

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='LoadDressCodeKeypoints')]


def build(root, **kwargs):
    init_default_scope('mmseg')
    return DATASETS.build(dict(type='DressCodeDataset', data_root=str(root), pipeline=PIPELINE, **kwargs))


def pair_ids(root, category, name):
    return [line.split()[0][: -len('_0.jpg')] for line in (root / category / name).read_text().splitlines()]


def test_split_and_categories_follow_the_pair_lists(synthetic_dresscode):
    root = synthetic_dresscode
    train = build(root, split='train')
    test = build(root, split='test', categories=('dresses',))
    expected_train = sum(len(pair_ids(root, c, 'train_pairs.txt')) for c in ('dresses', 'upper_body', 'lower_body'))
    assert len(train) == expected_train == 24
    assert [info['sample_id'] for info in test.load_data_list()] == pair_ids(root, 'dresses', 'test_pairs_paired.txt')
    info = train.get_data_info(0)
    sid, category = info['sample_id'], info['category']
    assert info['img_path'].endswith(f'{category}/images/{sid}_0.jpg')
    assert info['seg_map_path'].endswith(f'{category}/label_maps/{sid}_4.png')
    assert info['keypoints_path'].endswith(f'{category}/keypoints/{sid}_2.json')
    assert info['skeleton_path'].endswith(f'{category}/skeletons/{sid}_5.jpg')
    assert info['dense_path'].endswith(f'{category}/dense/{sid}_5.png')
    assert info['dense_uv_path'].endswith(f'{category}/dense/{sid}_5_uv.npz')


@pytest.mark.parametrize('mode', ['parsing', 'clothing4', 'person'])
def test_label_modes_map_the_18_classes(synthetic_dresscode, mode):
    dataset = build(synthetic_dresscode, split='test', label_mode=mode)
    assert dataset.metainfo['classes'] == LABEL_MODES[mode][0]
    sample = dataset[0]
    raw = np.array(Image.open(sample['seg_map_path']))
    mapped = sample['gt_seg_map']
    lut = np.array([LABEL_MODES[mode][2].get(i, 0) for i in range(18)])  # labels a mode does not list: 0
    assert dataset.label_map == (None if mode == 'parsing' else dict(enumerate(lut.tolist())))
    np.testing.assert_array_equal(mapped, lut[raw])
    assert mapped.max() < len(LABEL_MODES[mode][0])


def test_clothing4_grouping_is_upper_clothes_skirt_and_pants_dress():
    def label_map_for(mode):
        return {i: LABEL_MODES[mode][2].get(i, 0) for i in range(18)}

    clothing = label_map_for('clothing4')
    assert [k for k, v in clothing.items() if v == 1] == [4]  # upper_clothes
    assert [k for k, v in clothing.items() if v == 2] == [5, 6]  # skirt, pants
    assert [k for k, v in clothing.items() if v == 3] == [7]  # dress
    person = label_map_for('person')
    assert person[0] == 0 and all(person[i] == 1 for i in range(1, 18))


def test_keypoints_are_rescaled_from_the_384x512_frame_and_missing_joints_invisible(tmp_path):
    joints = [[192.0, 256.0, 0.9, 0], [384.0, 512.0, 0.8, 1], [0.0, 0.0, 0.0, 2], [-1.0, -1.0, 0.0, 3]]
    joints += [[10.0 + i, 20.0 + i, 0.5, i] for i in range(4, 18)]
    path = tmp_path / 'k_2.json'
    path.write_text(json.dumps({'keypoints': joints}))
    keypoints, visible = load_dresscode_keypoints(str(path), (1024, 768))
    assert keypoints.shape == (1, 18, 2) and visible.shape == (1, 18)
    np.testing.assert_allclose(keypoints[0, 0], [384.0, 512.0])  # frame centre -> image centre
    np.testing.assert_allclose(keypoints[0, 1], [768.0, 1024.0])
    np.testing.assert_allclose(keypoints[0, 4], [14.0 * 2, 24.0 * 2])
    assert visible[0, :4].tolist() == [1, 1, 0, 0]
    np.testing.assert_array_equal(keypoints[0, 2:4], 0)


def test_pipeline_keypoints_agree_with_the_file(synthetic_dresscode):
    dataset = build(synthetic_dresscode, split='train', categories=('upper_body',))
    sample = dataset[3]
    assert sample['img'].shape[:2] == (128, 96)
    raw = json.loads(open(sample['keypoints_path']).read())['keypoints']
    for i, (x, y, _, _) in enumerate(raw):
        if x > 1 and y > 1:
            np.testing.assert_allclose(sample['gt_keypoints'][0, i], [x * 96 / 384, y * 128 / 512], rtol=1e-5)
            assert sample['gt_keypoints_visible'][0, i] == 1
        else:
            assert sample['gt_keypoints_visible'][0, i] == 0


@pytest.mark.parametrize(
    'content, problem',
    [
        ('{not json', 'unreadable keypoint JSON'),
        ('{"keypoints": [[1, 2, 0.5, 0]]}', 'with 18 joints'),
        ('{"people": []}', 'with 18 joints'),
        ('{"keypoints": ' + json.dumps([[1, 2, 0, i] for i in range(17)] + [['a', 2, 0, 17]]) + '}', 'joint 17'),
        ('{"keypoints": ' + json.dumps([[1, 2, 0, i] for i in range(17)])[:-1] + ', [NaN, 3, 0, 17]]}', 'non-finite'),
    ],
)
def test_malformed_keypoint_files_name_the_file_and_problem(tmp_path, content, problem):
    path = tmp_path / 'bad_2.json'
    path.write_text(content)
    with pytest.raises(DatasetError, match=problem) as info:
        load_dresscode_keypoints(str(path), (1024, 768))
    assert str(path) in str(info.value)


def test_missing_files_and_bad_pair_lists_fail_at_build_time(synthetic_dresscode, tmp_path):
    root = tmp_path / 'dc'
    shutil.copytree(synthetic_dresscode, root)
    with pytest.raises(FileNotFoundError, match='make_synthetic_dresscode'):
        build(tmp_path / 'nowhere')
    with pytest.raises(ValueError, match='label_mode'):
        build(root, label_mode='coarse')
    with pytest.raises(ValueError, match='categories'):
        build(root, categories=('shoes',))
    sid = pair_ids(root, 'dresses', 'train_pairs.txt')[0]
    (root / 'dresses' / 'label_maps' / f'{sid}_4.png').unlink()
    with pytest.raises(DatasetError, match=f'{sid}_4.png.*missing'):
        build(root)
    (root / 'lower_body' / 'test_pairs_paired.txt').write_text('')
    with pytest.raises(DatasetError, match='test_pairs_paired.txt: pair list is empty'):
        build(root, split='test', categories=('lower_body',))
    (root / 'upper_body' / 'train_pairs.txt').write_text('garbage\n')
    with pytest.raises(DatasetError, match='line 1'):
        build(root, categories=('upper_body',))
    (root / 'upper_body' / 'train_pairs.txt').unlink()
    with pytest.raises(DatasetError, match='train_pairs.txt: pair list of the .train. split is missing'):
        build(root, categories=('upper_body',))


def test_repeated_model_images_are_listed_once(synthetic_dresscode, tmp_path):
    root = tmp_path / 'dc'
    shutil.copytree(synthetic_dresscode, root)
    pairs = root / 'dresses' / 'train_pairs.txt'
    lines = pairs.read_text().splitlines()
    pairs.write_text('\n'.join(lines + lines[:3]) + '\n')
    dataset = build(root, categories=('dresses',))
    assert len(dataset) == len(lines)
    assert isinstance(dataset, DressCodeDataset)
