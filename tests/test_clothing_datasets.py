# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""CCP / People Clothing converters, CCPDataset, EasyPortraitDataset, ImageMaskFolderDataset and label modes."""

import csv
import os
import re
import runpy
import shutil

import cv2
import numpy as np
import pytest
import scipy.io as sio
from conftest import CCP_STEMS, REPO
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

from mmext.datasets import CCPDataset, DatasetError, EasyPortraitDataset, ImageMaskFolderDataset
from mmext.datasets.clothing_meta import CCP_CLASSES, EASYPORTRAIT_LABEL_MODES, LABEL_MODES
from mmext.datasets.conversion import split_stems
from mmext.datasets.photo_label_dataset import Sample

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
# The clothing4 grouping (TopFormer-vs-U2Net clothing study), written out here independently of mmext's tables.
UPPER = [4, 5, 8, 11, 22, 24, 26, 38, 48, 49, 51, 54, 55]
LOWER = [25, 27, 30, 31, 40, 42, 45, 53]
WHOLE = [6, 13, 14, 23, 46, 50]


def build(type_name, **kwargs):
    init_default_scope('mmseg')
    return DATASETS.build(dict(type=type_name, pipeline=PIPELINE, **kwargs))


def tool_main(name):
    return runpy.run_path(str(REPO / 'tools' / 'dataset_converters' / f'{name}.py'))['main']


def read_png(path):
    return np.array(Image.open(path))


def groundtruth(src, stem):
    return sio.loadmat(str(src / 'annotations' / 'pixel-level' / f'{stem}.mat'))['groundtruth']


def tree_files(root):
    """{relative path: (bytes, mtime_ns)} of every file under root, not following the photo folder link."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as f:
                files[os.path.relpath(path, root)] = (f.read(), os.stat(path).st_mtime_ns)
    return files


def copy_tree(root, destination):
    shutil.copytree(root, destination, symlinks=True)
    return destination


def test_ccp_label_pngs_equal_the_mat_groundtruth(ccp_src, ccp_out):
    for stem in CCP_STEMS:
        label = read_png(ccp_out / 'labels' / f'{stem}.png')
        expected = groundtruth(ccp_src, stem)
        assert label.dtype == np.uint8 and expected.dtype == np.uint8
        np.testing.assert_array_equal(label, expected)
    assert (ccp_out / 'photos').is_symlink()
    assert (ccp_out / 'photos').resolve() == (ccp_src / 'photos').resolve()
    names = [str(cell[0]) for cell in sio.loadmat(str(ccp_src / 'label_list.mat'))['label_list'].ravel()]
    assert (ccp_out / 'label_list.txt').read_text().splitlines() == names == list(CCP_CLASSES)


def test_ccp_split_is_seeded_disjoint_and_complete(ccp_src, ccp_out, tmp_path, capsys):
    train = (ccp_out / 'splits' / 'train.txt').read_text().split()
    val = (ccp_out / 'splits' / 'val.txt').read_text().split()
    assert sorted(train + val) == list(CCP_STEMS) and not set(train) & set(val)
    assert val == [CCP_STEMS[i] for i in sorted(np.random.default_rng(0).permutation(5)[:1])]
    # The same seed gives the same split files; a val list gives exactly that list.
    main = tool_main('ccp')
    assert main(['--src', str(ccp_src), '--out', str(tmp_path / 'again'), '--seed', '0']) == 0
    for name in ('train.txt', 'val.txt'):
        assert (tmp_path / 'again' / 'splits' / name).read_text() == (ccp_out / 'splits' / name).read_text()
    (tmp_path / 'val_list.txt').write_text('0024.jpg\n# comment\n0003\n')
    assert (
        main(['--src', str(ccp_src), '--out', str(tmp_path / 'listed'), '--val-list', str(tmp_path / 'val_list.txt')])
        == 0
    )
    assert (tmp_path / 'listed' / 'splits' / 'val.txt').read_text() == '0003\n0024\n'
    assert (tmp_path / 'listed' / 'splits' / 'train.txt').read_text() == '0001\n0006\n0051\n'
    # Over many stems, seeds differ and the share is val_fraction.
    stems = [f'{i:04d}' for i in range(100)]
    assert split_stems(stems, 0.2, 3) == split_stems(list(reversed(stems)), 0.2, 3)
    assert split_stems(stems, 0.2, 3)[1] != split_stems(stems, 0.2, 4)[1]
    assert len(split_stems(stems, 0.2, 3)[1]) == 20
    capsys.readouterr()


def test_ccp_rerun_is_idempotent(ccp_src, ccp_out, tmp_path, capsys):
    out = copy_tree(ccp_out, tmp_path / 'ccp')
    before = tree_files(out)
    assert tool_main('ccp')(['--src', str(ccp_src), '--out', str(out)]) == 0
    assert 'converted 0, skipped existing 5, bad 0' in capsys.readouterr().out
    assert tree_files(out) == before


def test_ccp_changed_arguments_need_overwrite(ccp_src, ccp_out, tmp_path, capsys):
    out = copy_tree(ccp_out, tmp_path / 'ccp')
    before = tree_files(out)
    main = tool_main('ccp')
    assert main(['--src', str(ccp_src), '--out', str(out), '--val-fraction', '0.4']) == 2
    err = capsys.readouterr().err
    assert '--overwrite' in err and 'splits/val.txt' in err and 'Nothing was written' in err
    assert tree_files(out) == before
    assert main(['--src', str(ccp_src), '--out', str(out), '--val-fraction', '0.4', '--overwrite']) == 0
    assert len((out / 'splits' / 'val.txt').read_text().split()) == 2
    assert 'converted 5' in capsys.readouterr().out


def test_ccp_bad_annotations_are_reported_and_skipped(ccp_src, tmp_path, capsys):
    src = copy_tree(ccp_src, tmp_path / 'src')
    mats = src / 'annotations' / 'pixel-level'
    (mats / '0003.mat').write_bytes(b'not a mat file at all')
    too_high = groundtruth(ccp_src, '0006').copy()
    too_high[0, 0] = 59
    sio.savemat(str(mats / '0006.mat'), dict(groundtruth=too_high))
    sio.savemat(str(mats / '0024.mat'), dict(groundtruth=groundtruth(ccp_src, '0024')[:-10]))
    sio.savemat(str(mats / '0051.mat'), dict(labels=groundtruth(ccp_src, '0051')))
    out = tmp_path / 'out'
    assert tool_main('ccp')(['--src', str(src), '--out', str(out)]) == 1
    captured = capsys.readouterr()
    assert 'converted 1, skipped existing 0, bad 4' in captured.out
    for stem, problem in (('0003', 'unreadable'), ('0006', '0..58'), ('0024', 'H x W'), ('0051', 'groundtruth')):
        line = next(line for line in captured.err.splitlines() if f'{stem}.mat' in line)
        assert problem in line
    assert sorted(os.listdir(out / 'labels')) == ['0001.png']
    assert (out / 'splits' / 'train.txt').read_text().split() + (out / 'splits' / 'val.txt').read_text().split() == [
        '0001'
    ]


def test_ccp_dataset_label_modes_follow_the_groundtruth(ccp_src, ccp_out):
    clothing4 = np.zeros(256, np.uint8)
    clothing4[UPPER], clothing4[LOWER], clothing4[WHOLE] = 1, 2, 3
    fashion7 = np.zeros(256, np.uint8)
    fashion7[[41, 19, 51]] = [1, 2, 3]
    fashion7[[7, 12, 16, 21, 28, 32, 36, 39, 43, 58]] = 4
    fashion7[[25, 31, 27]], fashion7[14] = 5, 6
    expected = dict(
        native=lambda gt: gt,
        clothing4=lambda gt: clothing4[gt],
        person=lambda gt: gt > 0,
        fashion7=lambda gt: fashion7[gt],
    )
    for mode, recompute in expected.items():
        seen = []
        for split in ('train', 'val'):
            dataset = build('CCPDataset', data_root=str(ccp_out), split=split, label_mode=mode)
            assert dataset.metainfo['classes'] == LABEL_MODES[mode][0]
            for index in range(len(dataset)):
                sample = dataset[index]
                stem = sample['sample_id']
                gt = groundtruth(ccp_src, stem)
                assert sample['img'].shape[:2] == gt.shape
                assert sample['img_path'] == str(ccp_out / 'photos' / f'{stem}.jpg')
                assert sample['depth_path'] == str(ccp_out / 'depth' / f'{stem}.png')
                np.testing.assert_array_equal(sample['gt_seg_map'], recompute(gt).astype(np.uint8))
                if mode == 'clothing4':
                    for value, group in ((51, 1), (25, 2), (14, 3), (35, 0)):
                        if (gt == value).any():
                            assert (sample['gt_seg_map'][gt == value] == group).all()
                            seen.append(value)
                seen.append(stem)
        assert set(CCP_STEMS) <= set(seen)
        if mode == 'clothing4':
            assert {51, 25, 14, 35} <= set(seen)


def test_ccp_split_is_mmseg_ann_file_and_its_folders_data_prefix(ccp_out, tmp_path):
    by_split = build('CCPDataset', data_root=str(ccp_out), split='val')
    assert by_split.ann_file == str(ccp_out / 'splits' / 'val.txt')
    assert by_split.data_prefix == dict(img_path=str(ccp_out / 'photos'), seg_map_path=str(ccp_out / 'labels'))
    infos = [by_split.get_data_info(i) for i in range(len(by_split))]
    for ann_file in ('splits/val.txt', str(ccp_out / 'splits' / 'val.txt')):
        same = build('CCPDataset', data_root=str(ccp_out), ann_file=ann_file)
        assert [same.get_data_info(i) for i in range(len(same))] == infos and same.split == 'val'
    fold = build('CCPDataset', data_root=str(ccp_out), ann_file='splits/fold0_val.txt')
    assert [fold.get_data_info(i)['sample_id'] for i in range(len(fold))] == (
        ccp_out / 'splits' / 'fold0_val.txt'
    ).read_text().split()
    mine = tmp_path / 'mine.txt'  # a list kept outside the data root
    mine.write_text('0024\n0003\n')
    listed = build('CCPDataset', data_root=str(ccp_out), ann_file=str(mine), label_mode='person')
    assert [listed.get_data_info(i)['img_path'] for i in range(2)] == [
        str(ccp_out / 'photos' / '0024.jpg'),
        str(ccp_out / 'photos' / '0003.jpg'),
    ]
    assert listed.get_data_info(0)['depth_path'] == str(ccp_out / 'depth' / '0024.png')
    with pytest.raises(DatasetError, match='gone.txt: list of the .gone. split is missing'):
        build('CCPDataset', data_root=str(ccp_out), ann_file=str(tmp_path / 'gone.txt'))


def test_listed_samples_are_built_with_keywords_only():
    with pytest.raises(TypeError):
        Sample('a.jpg', 'a.png', 'a', 'a.png is missing', {})
    sample = Sample(img_path='a.jpg', seg_map_path='a.png', sample_id='a', missing_problem='gone', extra={})
    assert (sample.img_path, sample.sample_id) == ('a.jpg', 'a')


def test_ccp_dataset_errors_name_the_file(ccp_out, tmp_path):
    with pytest.raises(FileNotFoundError, match='ccp.py'):
        CCPDataset(data_root=str(tmp_path / 'nowhere'))
    with pytest.raises(ValueError, match='label_mode'):
        CCPDataset(data_root=str(ccp_out), label_mode='upper')
    out = copy_tree(ccp_out, tmp_path / 'ccp')
    (out / 'splits' / 'val.txt').unlink()
    with pytest.raises(DatasetError, match='splits/val.txt'):
        CCPDataset(data_root=str(out), split='val')
    stem = (out / 'splits' / 'train.txt').read_text().split()[0]
    (out / 'labels' / f'{stem}.png').unlink()
    with pytest.raises(DatasetError, match=f'labels/{stem}.png'):
        CCPDataset(data_root=str(out), split='train')


def full_label_map(modes, mode, num_labels):
    """{source label: label of ``mode``} for every source label (labels a mode does not list become 0)."""
    return {i: modes[mode][2].get(i, 0) for i in range(num_labels)}


def test_label_modes_are_complete_and_as_documented():
    clothing4 = full_label_map(LABEL_MODES, 'clothing4', 59)
    assert sorted(clothing4) == list(range(59))
    assert [k for k, v in clothing4.items() if v == 1] == UPPER
    assert [k for k, v in clothing4.items() if v == 2] == LOWER
    assert [k for k, v in clothing4.items() if v == 3] == WHOLE
    assert clothing4[35] == 0 and clothing4[0] == 0
    assert full_label_map(LABEL_MODES, 'person', 59) == {i: int(i > 0) for i in range(59)}
    fashion7 = full_label_map(LABEL_MODES, 'fashion7', 59)
    assert {CCP_CLASSES[k] for k, v in fashion7.items() if v == 4} == {
        'boots',
        'clogs',
        'flats',
        'heels',
        'loafers',
        'pumps',
        'sandals',
        'shoes',
        'sneakers',
        'wedges',
    }
    assert {CCP_CLASSES[k] for k, v in fashion7.items() if v == 5} == {'jeans', 'pants', 'leggings'}
    assert [fashion7[i] for i in (41, 19, 51, 14, 40, 35)] == [1, 2, 3, 6, 0, 0]
    assert full_label_map(EASYPORTRAIT_LABEL_MODES, 'person', 9) == {0: 0, **{i: 1 for i in range(1, 9)}}
    assert full_label_map(EASYPORTRAIT_LABEL_MODES, 'native', 9) == {i: i for i in range(9)}
    for modes in (LABEL_MODES, EASYPORTRAIT_LABEL_MODES):
        for mode, (classes, palette, grouping) in modes.items():
            assert len(classes) == len(palette), mode
            assert set(grouping.values()) <= set(range(len(classes))), mode


@pytest.fixture
def kaggle_src(tmp_path):
    """A 3-image People Clothing tree in the Kaggle layout, with random photos and 0..58 masks."""
    rng = np.random.default_rng(0)
    src = tmp_path / 'kaggle'
    (src / 'png_images' / 'IMAGES').mkdir(parents=True)
    (src / 'png_masks' / 'MASKS').mkdir(parents=True)
    masks = {}
    for i in (1, 2, 3):
        stem = f'{i:04d}'
        Image.fromarray(rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)).save(
            src / 'png_images' / 'IMAGES' / f'img_{stem}.png'
        )
        masks[stem] = rng.integers(0, 59, (40, 30), dtype=np.uint8)
        Image.fromarray(masks[stem]).save(src / 'png_masks' / 'MASKS' / f'seg_{stem}.png')
    with open(src / 'labels_class_dict.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['class_name', 'r', 'g', 'b'])
        writer.writerows([name, i, i, i] for i, name in enumerate(CCP_CLASSES))
    return src, masks


def test_people_clothing_takes_the_options_of_ccp_py(capsys):
    """Both converters declare their command line themselves (standalone scripts); only --src differs."""

    def options(name):
        with pytest.raises(SystemExit):
            runpy.run_path(str(REPO / 'tools' / 'dataset_converters' / f'{name}.py'))['parse_args'](['--help'])
        text = capsys.readouterr().out
        text = text[text.index('options:') :]
        return re.sub(r'\n  --src SRC.*?(?=\n  -)', '', text, flags=re.S)

    ccp = options('ccp')
    assert '--src' not in ccp and '--val-list' in ccp and '--folds' in ccp
    assert options('people_clothing') == ccp


def test_people_clothing_converts_png_masks(kaggle_src, tmp_path, capsys):
    src, masks = kaggle_src
    out = tmp_path / 'out'
    main = tool_main('people_clothing')
    assert main(['--src', str(src), '--out', str(out), '--val-fraction', '0.34']) == 0
    assert 'converted 3, skipped existing 0, bad 0' in capsys.readouterr().out
    for stem, mask in masks.items():
        np.testing.assert_array_equal(read_png(out / 'labels' / f'{stem}.png'), mask)
        photo = out / 'photos' / f'{stem}.png'
        assert photo.is_symlink()
        assert photo.resolve() == (src / 'png_images' / 'IMAGES' / f'img_{stem}.png').resolve()
    assert (out / 'label_list.txt').read_text().splitlines() == list(CCP_CLASSES)
    assert main(['--src', str(src), '--out', str(out), '--val-fraction', '0.34']) == 0
    assert 'converted 0, skipped existing 3, bad 0' in capsys.readouterr().out
    dataset = build('CCPDataset', data_root=str(out), split='val', label_mode='person')
    sample = dataset[0]
    assert sample['img_path'] == str(out / 'photos' / f'{sample["sample_id"]}.png')
    np.testing.assert_array_equal(sample['gt_seg_map'], masks[sample['sample_id']] > 0)


def test_people_clothing_refuses_jpeg_masks(kaggle_src, tmp_path, capsys):
    src, _ = kaggle_src
    main = tool_main('people_clothing')
    jpeg_only = tmp_path / 'jpeg_only'
    (jpeg_only / 'jpeg_masks' / 'MASKS').mkdir(parents=True)
    (jpeg_only / 'jpeg_images' / 'IMAGES').mkdir(parents=True)
    cv2.imwrite(str(jpeg_only / 'jpeg_masks' / 'MASKS' / 'seg_0001.jpeg'), np.zeros((40, 30), np.uint8))
    assert main(['--src', str(jpeg_only), '--out', str(tmp_path / 'out1')]) == 2
    assert 'lossy' in capsys.readouterr().err
    # A JPEG among the PNG masks, even one named .png, is refused before anything is written.
    cv2.imwrite(str(src / 'png_masks' / 'MASKS' / 'seg_0002.jpg'), np.zeros((40, 30), np.uint8))
    os.replace(src / 'png_masks' / 'MASKS' / 'seg_0002.jpg', src / 'png_masks' / 'MASKS' / 'seg_0002.png')
    assert main(['--src', str(src), '--out', str(tmp_path / 'out2')]) == 2
    err = capsys.readouterr().err
    assert 'seg_0002.png is a JPEG file' in err and 'lossy' in err
    assert not (tmp_path / 'out1').exists() and not (tmp_path / 'out2').exists()


@pytest.fixture
def easyportrait(tmp_path):
    rng = np.random.default_rng(1)
    root = tmp_path / 'EasyPortrait'
    masks = {}
    for split in ('train', 'val'):
        (root / 'images' / split).mkdir(parents=True)
        (root / 'annotations' / split).mkdir(parents=True)
        for name in (f'{split}_a', f'{split}_b'):
            cv2.imwrite(str(root / 'images' / split / f'{name}.jpg'), rng.integers(0, 256, (24, 16, 3), np.uint8))
            masks[name] = rng.integers(0, 9, (24, 16), dtype=np.uint8)
            cv2.imwrite(str(root / 'annotations' / split / f'{name}.png'), masks[name])
    return root, masks


def test_easyportrait_infos_depth_paths_and_person_mode(easyportrait):
    root, masks = easyportrait
    val = build('EasyPortraitDataset', data_root=str(root), split='val')
    assert val.metainfo['classes'] == ('background', 'person')
    infos = [val.get_data_info(i) for i in range(len(val))]
    assert [info['sample_id'] for info in infos] == ['val_a', 'val_b']
    for info in infos:
        name = info['sample_id']
        assert info['img_path'] == str(root / 'images' / 'val' / f'{name}.jpg')
        assert info['seg_map_path'] == str(root / 'annotations' / 'val' / f'{name}.png')
        assert info['depth_path'] == str(root / 'depth' / 'val' / f'{name}.png')
    sample = val[1]
    np.testing.assert_array_equal(sample['gt_seg_map'], masks['val_b'] > 0)
    native = build('EasyPortraitDataset', data_root=str(root), split='train', label_mode='native')
    assert len(native.metainfo['classes']) == 9 and len(native) == 2
    np.testing.assert_array_equal(native[0]['gt_seg_map'], masks['train_a'])
    with pytest.raises(ValueError, match='split'):
        EasyPortraitDataset(data_root=str(root), split='training')


def test_easyportrait_missing_annotation_names_the_file(easyportrait):
    root, _ = easyportrait
    (root / 'annotations' / 'train' / 'train_b.png').unlink()
    with pytest.raises(DatasetError, match='annotations/train/train_b.png'):
        EasyPortraitDataset(data_root=str(root), split='train')
    with pytest.raises(FileNotFoundError):
        EasyPortraitDataset(data_root=str(root / 'missing'))


def test_image_mask_folder_dataset(tmp_path):
    root = tmp_path / 'folder'
    (root / 'images' / 'sub').mkdir(parents=True)
    (root / 'masks' / 'sub').mkdir(parents=True)
    mask = np.zeros((20, 10), np.uint8)
    mask[5:15] = 255
    for name in ('x', 'y'):
        cv2.imwrite(str(root / 'images' / 'sub' / f'{name}.jpg'), np.full((20, 10, 3), 128, np.uint8))
        cv2.imwrite(str(root / 'masks' / 'sub' / f'{name}.png'), mask)
    dataset = build(
        'ImageMaskFolderDataset',
        data_root=str(root),
        classes=('background', 'cloth'),
        label_map={255: 1},
        palette=[[0, 0, 0], [255, 0, 0]],
    )
    assert len(dataset) == 2 and dataset.metainfo['classes'] == ('background', 'cloth')
    info = dataset.get_data_info(0)
    assert info['seg_map_path'] == str(root / 'masks' / 'sub' / 'x.png')
    assert info['depth_path'] == str(root / 'depth' / 'sub' / 'x.png')
    np.testing.assert_array_equal(dataset[0]['gt_seg_map'], mask // 255)
    (root / 'masks' / 'sub' / 'y.png').unlink()
    with pytest.raises(DatasetError, match='masks/sub/y.png'):
        ImageMaskFolderDataset(data_root=str(root))
