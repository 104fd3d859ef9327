# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Bad input data: every fault of issue 8 against every dataset class, under on_bad_sample='error' and 'skip'.

'error' must raise DatasetError naming the file and the problem; 'skip' must leave the sample out, record it
once (also across DataLoader workers) and let BadSampleHook report the count in the logs and the metrics.
"""

import csv
import json
import logging
import re
import runpy
import shutil

import cv2
import numpy as np
import pytest
from conftest import REPO
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from torch.utils.data import DataLoader

from mmext.datasets import DatasetError
from mmext.datasets.bad_sample_log import BadSampleLog
from mmext.utils.bad_sample_config import apply_bad_sample_policy
from mmext.utils.config_errors import ConfigCheckError

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='LoadDressCodeKeypoints')]
# serialize_data=False everywhere: mmengine's serialisation runs gc.collect(), ~0.5 s each in a full test process.
CATEGORY = 'upper_body'


# --------------------------------------------------------------------------------------------- Dress Code
@pytest.fixture
def dresscode(synthetic_dresscode, tmp_path):
    """A private copy of one category of the synthetic Dress Code tree (8 train samples, 128 x 96)."""
    root = tmp_path / 'dc'
    shutil.copytree(synthetic_dresscode / CATEGORY, root / CATEGORY)
    return root


def build_dresscode(root, **kwargs):
    init_default_scope('mmseg')
    return DATASETS.build(
        dict(
            type='DressCodeDataset',
            data_root=str(root),
            categories=(CATEGORY,),
            pipeline=PIPELINE,
            serialize_data=False,
            **kwargs,
        )
    )


def train_ids(root):
    return [
        line.split()[0][: -len('_0.jpg')]
        for line in (root / CATEGORY / 'train_pairs.txt').read_text().split('\n')
        if line
    ]


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def edit_label(path, change):
    label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), change(label))


def edit_joints(path, change):
    content = json.loads(path.read_text())
    change(content['keypoints'])
    path.write_text(json.dumps(content))  # json writes NaN as the (accepted) token NaN


def set_pixel(label, value):
    label = label.copy()
    label[0, 0] = value
    return label


# fault: (file of the sample, corruption, expected problem)
LOAD_FAULTS = {
    'truncated photo': ('images/{}_0.jpg', truncate, r'truncated JPEG \(\d+ bytes, no end-of-image marker'),
    'empty photo': ('images/{}_0.jpg', lambda p: p.write_bytes(b''), r'empty file \(0 bytes\)'),
    'photo that is no image': (
        'images/{}_0.jpg',
        lambda p: p.write_bytes(b'not an image\n' * 40),
        r'cannot be decoded \(AssertionError: failed to load image',
    ),
    'truncated label map': ('label_maps/{}_4.png', truncate, r'truncated PNG'),
    'unreadable label map': (
        'label_maps/{}_4.png',
        lambda p: p.write_bytes(b'\x89PNG\r\n\x1a\n' + b'\0' * 80),
        r'truncated PNG|cannot be decoded',
    ),
    'label map of another size': (
        'label_maps/{}_4.png',
        lambda p: cv2.imwrite(str(p), np.zeros((64, 48), np.uint8)),
        r'label map is 64 x 48 \(H x W\) but the photo is 128 x 96',
    ),
    'colour label map': (
        'label_maps/{}_4.png',
        lambda p: edit_label(p, lambda m: np.dstack([m, m, m + 1])),
        r'label map has shape \(128, 96, 3\); expected one label value per pixel',
    ),
    'label value outside the classes': (
        'label_maps/{}_4.png',
        lambda p: edit_label(p, lambda m: set_pixel(m, 40)),
        r'label value\(s\) 40 outside the classes 0..17 \(ignore index 255\)',
    ),
    '16-bit label map': (
        'label_maps/{}_4.png',
        lambda p: edit_label(p, lambda m: m.astype(np.uint16) * 300),
        r'16-bit grey PNG; label maps must be 8-bit',
    ),
    'missing keypoint file': ('keypoints/{}_2.json', lambda p: p.unlink(), r'keypoint file is missing'),
    'malformed keypoint JSON': (
        'keypoints/{}_2.json',
        lambda p: p.write_text('{"keypoints": [[1, 2'),
        r'unreadable keypoint JSON',
    ),
    'keypoint JSON without 18 joints': (
        'keypoints/{}_2.json',
        lambda p: p.write_text('{"keypoints": [[1, 2, 1, 0]]}'),
        r'expected \{"keypoints": \[...\]\} with 18 joints',
    ),
    'keypoint that is no number': (
        'keypoints/{}_2.json',
        lambda p: edit_joints(p, lambda j: j[2].__setitem__(0, 'x')),
        r"joint 2 is not \[x, y, score, id\]: \['x'",
    ),
    'NaN keypoint': (
        'keypoints/{}_2.json',
        lambda p: edit_joints(p, lambda j: j[3].__setitem__(0, float('nan'))),
        r'joint 3 has a non-finite coordinate: \[nan, ',
    ),
}


def test_out_of_frame_joints_are_missing_and_counted(dresscode):
    bad_id = train_ids(dresscode)[2]
    edit_joints(
        dresscode / CATEGORY / f'keypoints/{bad_id}_2.json',
        lambda j: (j[4].__setitem__(1, 900), j[5].__setitem__(0, -7.5)),
    )
    sample = build_dresscode(dresscode)[2]
    assert sample['sample_id'] == bad_id
    visible = sample['gt_keypoints_visible'][0]
    assert visible[4] == 0 and visible[5] == 0 and visible.sum() >= 10
    assert sample['keypoints_out_of_frame'] == 2


@pytest.mark.parametrize('fault', sorted(LOAD_FAULTS))
def test_load_time_fault_stops_with_file_and_problem(dresscode, fault):
    pattern, corrupt, problem = LOAD_FAULTS[fault]
    bad_id = train_ids(dresscode)[2]
    path = dresscode / CATEGORY / pattern.format(bad_id)
    corrupt(path)
    dataset = build_dresscode(dresscode)  # on_bad_sample='error' is the default
    with pytest.raises(DatasetError) as info:
        dataset[2]
    assert info.value.path == str(path)
    assert re.search(problem, info.value.problem), info.value.problem
    assert str(info.value).startswith(f'{path}: ')
    assert dataset[3]['sample_id'] == train_ids(dresscode)[3]  # the other samples still load


@pytest.mark.parametrize('fault', sorted(LOAD_FAULTS))
def test_load_time_fault_is_skipped_and_recorded_once(dresscode, fault):
    pattern, corrupt, problem = LOAD_FAULTS[fault]
    bad_id = train_ids(dresscode)[2]
    path = dresscode / CATEGORY / pattern.format(bad_id)
    corrupt(path)
    dataset = build_dresscode(dresscode, on_bad_sample='skip')
    for _ in range(3):  # met three times, recorded once
        sample = dataset[2]
        assert sample['sample_id'] != bad_id and sample['img'].shape == (128, 96, 3)
    entries = dataset.bad_sample_log.entries()
    assert [(e['path'], e['phase'], e['dataset']) for e in entries] == [(str(path), 'train', 'DressCodeDataset')]
    assert re.search(problem, entries[0]['problem'])
    assert dataset.bad_sample_log.count() == 1


@pytest.mark.parametrize(
    'loader, key, name, problem',
    [
        ('LoadSkeletonMask', 'skeleton_path', 'skeletons/{}_5.jpg', 'truncated JPEG'),
        ('LoadDepthMap', 'depth_path', 'depth/{}_0.png', 'truncated PNG'),
    ],
)
def test_truncated_skeleton_and_depth_maps(dresscode, loader, key, name, problem):
    path = dresscode / CATEGORY / name.format(train_ids(dresscode)[0])
    truncate(path)
    pipeline = PIPELINE + [dict(type=loader)]
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type='DressCodeDataset',
            data_root=str(dresscode),
            categories=(CATEGORY,),
            pipeline=pipeline,
            serialize_data=False,
        )
    )
    assert dataset.get_data_info(0)[key] == str(path)
    with pytest.raises(DatasetError, match=re.escape(f'{path}: {problem}')):
        dataset[0]


def test_ignore_index_and_missing_joints_are_not_faults(dresscode):
    bad_id = train_ids(dresscode)[0]
    edit_label(dresscode / CATEGORY / 'label_maps' / f'{bad_id}_4.png', lambda m: set_pixel(m, 255))
    edit_joints(
        dresscode / CATEGORY / 'keypoints' / f'{bad_id}_2.json',
        lambda j: (j[0].__setitem__(0, -1), j[0].__setitem__(1, -1), j[1].__setitem__(0, 0)),
    )
    sample = build_dresscode(dresscode)[0]
    assert sample['gt_seg_map'][0, 0] == 255
    assert sample['gt_keypoints_visible'][0, :2].tolist() == [0, 0]


@pytest.mark.parametrize('missing', ['images/{}_0.jpg', 'label_maps/{}_4.png'])
def test_missing_listed_file_at_index_time(dresscode, missing):
    ids = train_ids(dresscode)
    path = dresscode / CATEGORY / missing.format(ids[1])
    path.unlink()
    with pytest.raises(DatasetError, match=re.escape(f'{path}: listed in train_pairs.txt of {CATEGORY} but missing')):
        build_dresscode(dresscode)
    dataset = build_dresscode(dresscode, on_bad_sample='skip')
    assert len(dataset) == len(ids) - 1
    assert ids[1] not in {dataset.get_data_info(i)['sample_id'] for i in range(len(dataset))}
    assert [e['path'] for e in dataset.bad_sample_log.entries()] == [str(path)]


@pytest.mark.parametrize('policy', ['error', 'skip'])
def test_split_level_faults_stop_under_both_policies(dresscode, policy):
    pairs = dresscode / CATEGORY / 'train_pairs.txt'
    pairs.write_text('\n\n')
    with pytest.raises(DatasetError, match=re.escape(f'{pairs}: pair list is empty')):
        build_dresscode(dresscode, on_bad_sample=policy)
    pairs.write_text('000000.jpg 000000_1.jpg\n')
    with pytest.raises(DatasetError, match='line 1: expected "<NNNNNN_0.jpg> <garment>"'):
        build_dresscode(dresscode, on_bad_sample=policy)


def test_skip_with_nothing_usable_left_stops(dresscode):
    for photo in (dresscode / CATEGORY / 'images').glob('*_0.jpg'):
        photo.unlink()
    with pytest.raises(DatasetError, match="no usable sample in the 'train' pair lists"):
        build_dresscode(dresscode, on_bad_sample='skip')


def test_duplicated_model_images_in_a_pair_list_are_counted_once(dresscode):
    pairs = dresscode / CATEGORY / 'train_pairs.txt'
    lines = pairs.read_text().splitlines()
    pairs.write_text('\n'.join(lines + lines[:2]) + '\n')
    dataset = build_dresscode(dresscode)
    assert len(dataset) == len(lines)
    assert len({dataset.get_data_info(i)['img_path'] for i in range(len(dataset))}) == len(lines)


def test_unknown_policy_is_refused(dresscode):
    with pytest.raises(ValueError, match="on_bad_sample must be one of \\('error', 'skip'\\), got 'ignore'"):
        build_dresscode(dresscode, on_bad_sample='ignore')


def test_test_mode_skip_substitutes_the_next_readable_sample(dresscode):
    ids = train_ids(dresscode)
    truncate(dresscode / CATEGORY / 'images' / f'{ids[4]}_0.jpg')
    with pytest.raises(DatasetError, match='truncated JPEG'):
        build_dresscode(dresscode, test_mode=True)[4]
    dataset = build_dresscode(dresscode, test_mode=True, on_bad_sample='skip')
    assert dataset[4]['sample_id'] == ids[5]
    assert dataset[len(ids) - 1]['sample_id'] == ids[-1]
    assert [e['phase'] for e in dataset.bad_sample_log.entries()] == ['eval']


def test_skips_are_counted_and_logged_once_across_dataloader_workers(dresscode, tmp_path):
    ids = train_ids(dresscode)
    truncate(dresscode / CATEGORY / 'images' / f'{ids[0]}_0.jpg')
    (dresscode / CATEGORY / 'keypoints' / f'{ids[5]}_2.json').write_text('[]')
    dataset = build_dresscode(dresscode, on_bad_sample='skip')
    loader = DataLoader(dataset, batch_size=2, num_workers=2, collate_fn=pseudo_collate)
    # The forked workers inherit this handler; its file is opened for appending, so every process's lines land.
    handler = logging.FileHandler(tmp_path / 'log.txt')
    MMLogger.get_current_instance().addHandler(handler)
    try:
        for _ in range(2):  # fresh worker processes each epoch
            batches = list(loader)
            assert sum(len(b['sample_id']) for b in batches) == len(ids)  # refetched: the epoch keeps its length
            assert all(sid not in (ids[0], ids[5]) for b in batches for sid in b['sample_id'])
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
        handler.close()
    assert dataset.bad_sample_log.count('train') == 2
    warnings = re.findall(r'Skipped bad sample \(train, DressCodeDataset\): (\S+):', (tmp_path / 'log.txt').read_text())
    assert sorted(warnings) == sorted(
        [
            str(dresscode / CATEGORY / 'images' / f'{ids[0]}_0.jpg'),
            str(dresscode / CATEGORY / 'keypoints' / f'{ids[5]}_2.json'),
        ]
    )


def test_bad_sample_log_entries_are_created_once_and_moved(tmp_path):
    log = BadSampleLog(str(tmp_path / 'a'), quiet=True)
    error = DatasetError('/data/x.jpg', 'truncated JPEG')
    assert log.record(error, 'train', 'D') and not log.record(error, 'train', 'D')
    assert log.record(error, 'eval', 'D')
    assert (log.count(), log.count('train'), log.count('eval')) == (2, 1, 1)
    log.move_to(str(tmp_path / 'b'))
    assert log.count() == 2 and len(list((tmp_path / 'b').glob('*.json'))) == 2
    assert not list(tmp_path.glob('**/*.tmp'))


# ----------------------------------------------------------------------------------- the other datasets
def write_photo(path, hw=(32, 24)):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(len(str(path)))
    cv2.imwrite(str(path), rng.integers(0, 255, (*hw, 3), dtype=np.uint8))


def write_label(path, value, hw=(32, 24)):
    path.parent.mkdir(parents=True, exist_ok=True)
    label = np.zeros(hw, np.uint8)
    label[8:24, 6:18] = value
    cv2.imwrite(str(path), label)


def ccp_tree(root):
    """(dataset config, {stem: (photo, label)}): the converted CCP layout, 3 samples."""
    files = {s: (root / 'photos' / f'{s}.jpg', root / 'labels' / f'{s}.png') for s in ('0001', '0002', '0003')}
    for photo, label in files.values():
        write_photo(photo)
        write_label(label, 41)
    (root / 'splits').mkdir()
    (root / 'splits' / 'train.txt').write_text('0001\n0002\n0003\n')
    return dict(type='CCPDataset', data_root=str(root), split='train'), files


def easyportrait_tree(root):
    files = {
        s: (root / 'images' / 'train' / f'{s}.jpg', root / 'annotations' / 'train' / f'{s}.png')
        for s in ('a', 'b', 'c')
    }
    for photo, label in files.values():
        write_photo(photo)
        write_label(label, 1)
    return dict(type='EasyPortraitDataset', data_root=str(root), split='train', label_mode='native'), files


def folder_tree(root):
    files = {s: (root / 'images' / f'{s}.jpg', root / 'masks' / f'{s}.png') for s in ('x', 'y', 'z')}
    for photo, label in files.values():
        write_photo(photo)
        write_label(label, 1)
    return dict(type='ImageMaskFolderDataset', data_root=str(root)), files


def imaterialist_tree(root):
    files = {s: (root / 'images' / f'{s}.jpg', root / 'labels_grouped4' / f'{s}.png') for s in ('i1', 'i2', 'i3')}
    for photo, label in files.values():
        write_photo(photo)
        write_label(label, 2)
    (root / 'splits').mkdir()
    (root / 'splits' / 'train.txt').write_text('i1\ni2\ni3\n')
    return dict(type='IMaterialistDataset', data_root=str(root), split='train'), files


TREES = {
    'CCPDataset': ccp_tree,
    'EasyPortraitDataset': easyportrait_tree,
    'ImageMaskFolderDataset': folder_tree,
    'IMaterialistDataset': imaterialist_tree,
}
SEG_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
# fault: (which file of the middle sample, corruption, expected problem, found at index time)
SEG_FAULTS = {
    'truncated photo': (0, truncate, r'truncated JPEG', False),
    'label value outside the classes': (
        1,
        lambda p: write_label(p, 250),
        r'label value\(s\) 250 outside the classes',
        False,
    ),
    'label map of another size': (1, lambda p: write_label(p, 1, hw=(16, 12)), r'label map is 16 x 12', False),
    'missing label map': (1, lambda p: p.unlink(), r'missing', True),
}


@pytest.mark.parametrize('fault', sorted(SEG_FAULTS))
@pytest.mark.parametrize('kind', sorted(TREES))
def test_every_segmentation_dataset_under_both_policies(tmp_path, kind, fault):
    which, corrupt, problem, at_index = SEG_FAULTS[fault]
    cfg, files = TREES[kind](tmp_path / 'data')
    stems = list(files)
    path = files[stems[1]][which]
    corrupt(path)
    init_default_scope('mmseg')
    with pytest.raises(DatasetError) as info:
        dataset = DATASETS.build(dict(cfg, pipeline=SEG_PIPELINE, serialize_data=False))
        dataset[1]
    assert info.value.path == str(path) and re.search(problem, info.value.problem), str(info.value)

    dataset = DATASETS.build(dict(cfg, pipeline=SEG_PIPELINE, serialize_data=False, on_bad_sample='skip'))
    if at_index:
        assert len(dataset) == 2
    else:
        assert len(dataset) == 3 and dataset[1]['img_path'] != str(files[stems[1]][0])
    assert [e['path'] for e in dataset.bad_sample_log.entries()] == [str(path)]


def test_duplicated_ids_in_split_lists_stop_under_both_policies(tmp_path):
    cfg, _ = ccp_tree(tmp_path / 'ccp')
    (tmp_path / 'ccp' / 'splits' / 'train.txt').write_text('0001\n0002\n0001\n')
    init_default_scope('mmseg')
    for policy in ('error', 'skip'):
        with pytest.raises(DatasetError, match=r"splits/train.txt: line 3: '0001' is listed twice"):
            DATASETS.build(dict(cfg, pipeline=SEG_PIPELINE, serialize_data=False, on_bad_sample=policy))


@pytest.mark.parametrize('kind', ['CCPDataset', 'IMaterialistDataset'])
def test_empty_split_list_stops(tmp_path, kind):
    cfg, _ = TREES[kind](tmp_path / 'data')
    (tmp_path / 'data' / 'splits' / 'train.txt').write_text('\n')
    init_default_scope('mmseg')
    with pytest.raises(DatasetError, match='train.txt: split list is empty'):
        DATASETS.build(dict(cfg, pipeline=SEG_PIPELINE, serialize_data=False, on_bad_sample='skip'))


# ------------------------------------------------------------------------------ iMaterialist instances
def instance_tree(root):
    (root / 'train').mkdir(parents=True)
    rows = []
    for image_id in ('a', 'b', 'c'):
        write_photo(root / 'train' / f'{image_id}.jpg', hw=(32, 24))
        rows.append(dict(ImageId=image_id, EncodedPixels='1 10', Height=32, Width=24, ClassId='3'))
    return rows


def write_csv(path, rows):
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=['ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId'])
        writer.writeheader()
        writer.writerows(rows)


def build_instances(root, **kwargs):
    from mmdet.registry import DATASETS as DET_DATASETS

    import mmext.datasets.imaterialist_instances  # noqa: F401  (registers the dataset)
    import mmext.datasets.transforms.load_imaterialist_annotations  # noqa: F401  (registers the transform)

    init_default_scope('mmdet')
    return DET_DATASETS.build(
        dict(
            type='IMaterialistInstanceDataset',
            data_root=str(root),
            test_mode=True,
            serialize_data=False,
            pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadIMaterialistAnnotations')],
            **kwargs,
        )
    )


@pytest.mark.parametrize('fault', ['bad row', 'missing photo', 'truncated photo', 'duplicated split ids'])
def test_imaterialist_instance_dataset_under_both_policies(tmp_path, fault):
    rows = instance_tree(tmp_path)
    photo = tmp_path / 'train' / 'b.jpg'
    expected = dict(path=str(tmp_path / 'train.csv'), problem=r'row at line 3: run 1 999 ends at pixel 999')
    if fault == 'bad row':
        rows[1]['EncodedPixels'] = '1 999'
    elif fault == 'missing photo':
        photo.unlink()
        expected = dict(path=str(photo), problem=r'photo of b \(listed in train.csv\) is missing')
    elif fault == 'truncated photo':
        truncate(photo)
        expected = dict(path=str(photo), problem='truncated JPEG')
    else:
        (tmp_path / 'val.txt').write_text('a\nb\na\n')
    write_csv(tmp_path / 'train.csv', rows)
    split = dict(split_file='val.txt') if fault == 'duplicated split ids' else {}
    if fault == 'duplicated split ids':
        for policy in ('error', 'skip'):
            with pytest.raises(DatasetError, match=r'val.txt: ImageId\(s\) listed more than once: a'):
                build_instances(tmp_path, on_bad_sample=policy, **split)
        return
    with pytest.raises(DatasetError) as info:
        build_instances(tmp_path)[1]
    assert info.value.path == expected['path'] and re.search(expected['problem'], info.value.problem)
    dataset = build_instances(tmp_path, on_bad_sample='skip')
    loaded = [dataset[i]['img_path'] for i in range(len(dataset))]
    assert str(photo) not in loaded and len(set(loaded)) == 2
    entries = dataset.bad_sample_log.entries()
    assert [e['path'] for e in entries] == [expected['path']] and re.search(expected['problem'], entries[0]['problem'])


# ------------------------------------------------------------------------------- config and training run
def test_top_level_policy_reaches_every_dataset_and_adds_the_hook():
    cfg = Config.fromfile(str(REPO / 'configs/quickstart/topformer_b_dresscode_cpu.py'))
    cfg.on_bad_sample = 'skip'
    notes = apply_bad_sample_policy(cfg)
    assert cfg.train_dataloader.dataset.on_bad_sample == 'skip' == cfg.val_dataloader.dataset.on_bad_sample
    assert dict(type='BadSampleHook') in cfg.custom_hooks and any('BadSampleHook' in n for n in notes)
    assert apply_bad_sample_policy(cfg) == []  # idempotent
    assert [h['type'] for h in cfg.custom_hooks].count('BadSampleHook') == 1
    cfg.on_bad_sample = 'drop'
    with pytest.raises(ConfigCheckError, match="on_bad_sample must be one of"):
        apply_bad_sample_policy(cfg)
    plain = Config.fromfile(str(REPO / 'configs/quickstart/topformer_b_dresscode_cpu.py'))
    assert apply_bad_sample_policy(plain) == [] and 'on_bad_sample' not in plain.train_dataloader.dataset


def test_training_with_skip_reports_bad_samples_per_epoch_in_metrics_and_at_the_end(dresscode, tmp_path, capsys):
    ids = train_ids(dresscode)
    truncate(dresscode / CATEGORY / 'images' / f'{ids[0]}_0.jpg')
    test_ids = [
        line.split()[0][:-6]
        for line in (dresscode / CATEGORY / 'test_pairs_paired.txt').read_text().split()
        if line.endswith('_0.jpg')
    ]
    (dresscode / CATEGORY / 'keypoints' / f'{test_ids[0]}_2.json').write_text('{"keypoints": 5}')
    config = tmp_path / 'cfg.py'
    config.write_text(f"""
_base_ = [{str(REPO / 'configs/quickstart/topformer_b_dresscode_cpu.py')!r}]
crop_size = (128, 96)
model = dict(data_preprocessor=dict(size=crop_size))
pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='LoadDressCodeKeypoints'),
            dict(type='GenerateLandmarkHeatmaps', encoder=dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)),
            dict(type='GenerateLimbMaps', encoder=dict(type='LimbMapCodec', stride=4, width=3.0)),
            dict(type='PackMultiTaskInputs')]
dataset = dict(data_root={str(dresscode)!r}, categories=({CATEGORY!r}, ), pipeline=pipeline)
train_dataloader = dict(batch_size=4, num_workers=2, persistent_workers=False, dataset=dataset)
val_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False, dataset=dataset)
test_dataloader = val_dataloader
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1000))
custom_hooks = [dict(type='RunSummaryHook')]
""")
    work_dir = tmp_path / 'work'
    main = runpy.run_path(str(REPO / 'tools/train.py'))['main']
    assert main([str(config), '--work-dir', str(work_dir), '--cfg-options', 'on_bad_sample=skip']) == 0
    log_dir = next(p for p in work_dir.iterdir() if p.is_dir() and (p / 'bad_samples.json').is_file())
    report = json.loads((log_dir / 'bad_samples.json').read_text())
    assert (report['train'], report['eval'], report['total']) == (1, 1, 2)
    assert {e['path'] for e in report['files']} == {
        str(dresscode / CATEGORY / 'images' / f'{ids[0]}_0.jpg'),
        str(dresscode / CATEGORY / 'keypoints' / f'{test_ids[0]}_2.json'),
    }
    log = next(log_dir.glob('*.log')).read_text()
    assert 'Bad samples skipped in train so far: 1 (1 new by epoch' in log
    assert re.search(r'Iter\(train\) \[2/2\].*bad_samples: 1', log)
    assert re.search(r'Iter\(val\) \[\d+/\d+\].*bad_samples: 1', log)
    assert 'Bad samples skipped in this run: 1 in training, 1 in evaluation' in log
    summary = json.loads((work_dir / 'run_summary.json').read_text())
    assert summary['val_metrics']['bad_samples'] == 1.0


# ------------------------------------------------------------------------------------------------ converters
def converter(name):
    return runpy.run_path(str(REPO / 'tools' / 'dataset_converters' / f'{name}.py'))['main']


def test_ccp_converter_reports_a_truncated_photo_continues_and_exits_1(tmp_path, capsys):
    import scipy.io as sio

    src = tmp_path / 'src'
    (src / 'annotations' / 'pixel-level').mkdir(parents=True)
    for stem in ('0001', '0002', '0003'):
        write_photo(src / 'photos' / f'{stem}.jpg')
        sio.savemat(
            str(src / 'annotations' / 'pixel-level' / f'{stem}.mat'), dict(groundtruth=np.full((32, 24), 41, np.uint8))
        )
    truncate(src / 'photos' / '0002.jpg')
    out = tmp_path / 'out'
    assert converter('ccp')(['--src', str(src), '--out', str(out), '--copy-photos']) == 1
    printed = capsys.readouterr()
    assert 'converted 2, skipped existing 0, bad 1' in printed.out
    assert re.search(
        rf'bad: .*0002.mat: its photo {re.escape(str(src))}/photos/0002.jpg: truncated JPEG .* -- skipped', printed.err
    )
    listed = (out / 'splits' / 'train.txt').read_text().split() + (out / 'splits' / 'val.txt').read_text().split()
    assert sorted(listed) == ['0001', '0003']


def test_people_clothing_converter_reports_truncated_mask_and_photo(tmp_path, capsys):
    src = tmp_path / 'kaggle'
    for i in (1, 2, 3):
        write_photo(src / 'png_images' / 'IMAGES' / f'img_{i:04d}.png')
        write_label(src / 'png_masks' / 'MASKS' / f'seg_{i:04d}.png', 41)
    truncate(src / 'png_masks' / 'MASKS' / 'seg_0002.png')
    truncate(src / 'png_images' / 'IMAGES' / 'img_0003.png')
    assert converter('people_clothing')(['--src', str(src), '--out', str(tmp_path / 'out')]) == 1
    printed = capsys.readouterr()
    assert 'converted 1, skipped existing 0, bad 2' in printed.out
    assert re.search(r'seg_0002.png: unreadable mask', printed.err)
    assert re.search(r'seg_0003.png: its photo .*img_0003.png: truncated PNG', printed.err)


def test_imaterialist_converter_reports_a_truncated_image_and_refuses_a_binary_csv(tmp_path, capsys):
    rows = instance_tree(tmp_path / 'src')
    write_csv(tmp_path / 'src' / 'train.csv', rows)
    truncate(tmp_path / 'src' / 'train' / 'b.jpg')
    assert converter('imaterialist')(['--src', str(tmp_path / 'src'), '--out', str(tmp_path / 'out')]) == 1
    printed = capsys.readouterr()
    assert 'converted 2, skipped existing 0, bad 1' in printed.out
    assert re.search(r'bad: b: image .*b.jpg: truncated JPEG', printed.err)
    binary = b'ImageId,EncodedPixels,Height,Width,ClassId\n\xff\xfe\x00a,1 1,2,2,3\n'
    (tmp_path / 'src' / 'train.csv').write_bytes(binary)
    assert converter('imaterialist')(['--src', str(tmp_path / 'src'), '--out', str(tmp_path / 'out2')]) == 2
    assert re.search(r'train.csv: not readable as UTF-8 csv', capsys.readouterr().err)
