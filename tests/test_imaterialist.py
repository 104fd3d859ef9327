# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Run-length codec, the iMaterialist converter (overlap rules, bad rows, idempotence) and IMaterialistDataset."""

import csv
import json
import os
import runpy

import cv2
import numpy as np
import pytest
from conftest import REPO, run_tool
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

from mmext.datasets import IMaterialistDataset
from mmext.datasets.conversion import BadSample
from mmext.datasets.imaterialist import category_names
from mmext.datasets.rle import decode_rle, encode_rle

TOOL = 'tools/dataset_converters/imaterialist.py'
NAMES = [f'garment kind {i}' for i in range(46)]  # synthetic names: the test must not depend on the real ones
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]

# Synthetic source: ImageId -> (H, W, [(EncodedPixels, ClassId), ...]).
SOURCE = {
    # 6 x 5. Category 1 (upper) on columns 0-2, category 6 (lower) on columns 2-3, category 31 (ungrouped) on
    # (0, 0) and (1, 0).
    'a': (6, 5, [('1 18', '1_3_17'), ('13 12', '6'), ('1 2', '31_100')]),
    # 4 x 6. Category 10 (whole) on columns 0-3, category 7 (lower) on columns 3-5; categories 40 and 35 (both
    # ungrouped, one pixel each) tie at (0, 0).
    'b': (4, 6, [('1 16', '10_5'), ('13 12', '7'), ('1 1', '40'), ('1 1', '35_2')]),
    # 5 x 5. Category 12 (whole) in two runs: (2, 0), (3, 0) and (2, 1), (3, 1), (4, 1); category 45 (ungrouped)
    # on column 4.
    'c': (5, 5, [('3 2 8 3', '12'), ('21 5', '45')]),
    # 4 x 4, a good row and a bad one (the run 5 20 ends after pixel 16): the image is skipped.
    'd': (4, 4, [('1 4', '0'), ('5 20', '2')]),
}
BAD_LINE = 12  # the header, 3 + 4 + 2 rows of a, b, c and the good row of d come before it

EXPECTED_FINE = {
    'a': np.array(
        [[32, 2, 7, 7, 0], [32, 2, 7, 7, 0], [2, 2, 7, 7, 0], [2, 2, 7, 7, 0], [2, 2, 7, 7, 0], [2, 2, 7, 7, 0]]
    ),
    'b': np.array([[36, 11, 11, 8, 8, 8], [11, 11, 11, 8, 8, 8], [11, 11, 11, 8, 8, 8], [11, 11, 11, 8, 8, 8]]),
    'c': np.array([[0, 0, 0, 0, 46], [0, 0, 0, 0, 46], [13, 13, 0, 0, 46], [13, 13, 0, 0, 46], [0, 13, 0, 0, 46]]),
}
EXPECTED_GROUPED4 = {
    'a': np.array([[1, 1, 1, 2, 0]] * 6),  # column 2: upper beats lower; (0, 0), (1, 0): category 31 no cover
    'b': np.array([[3, 3, 3, 2, 2, 2]] * 4),  # column 3: lower beats whole
    'c': np.array([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [3, 3, 0, 0, 0], [3, 3, 0, 0, 0], [0, 3, 0, 0, 0]]),
}


def converter():
    return runpy.run_path(str(REPO / 'tools' / 'dataset_converters' / 'imaterialist.py'))


def read_png(path):
    return np.array(Image.open(path))


def tree_files(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as f:
                files[os.path.relpath(path, root)] = (f.read(), os.stat(path).st_mtime_ns)
    return files


def build(**kwargs):
    init_default_scope('mmseg')
    return DATASETS.build(dict(type='IMaterialistDataset', pipeline=PIPELINE, **kwargs))


# ------------------------------------------------------------------------------------------------------ RLE
def test_decode_rle_is_column_major_and_one_based():
    mask = decode_rle('1 2', 4, 3)
    assert mask.shape == (4, 3) and mask.dtype == bool
    assert sorted(zip(*np.nonzero(mask))) == [(0, 0), (1, 0)]
    # Pixel 4 is the bottom of column 0; the run continues at the top of column 1. Pixel 12 is (3, 2).
    assert sorted(zip(*np.nonzero(decode_rle('4 2 12 1', 4, 3)))) == [(0, 1), (3, 0), (3, 2)]
    assert decode_rle('', 4, 3).sum() == 0
    assert decode_rle('1 12', 4, 3).all()
    assert sorted(zip(*np.nonzero(decode_rle('2 3 3 1', 4, 3)))) == [(1, 0), (2, 0), (3, 0)]  # overlapping runs


@pytest.mark.parametrize(
    'encoded, message',
    [
        ('1', 'odd number'),
        ('1 2 3', 'odd number'),
        ('1 x', 'not an integer'),
        ('1.5 2', 'not an integer'),
        ('0 2', 'below 1'),
        ('1 0', 'below 1'),
        ('12 2', 'after the last pixel 12'),
        ('13 1', 'after the last'),
    ],
)
def test_decode_rle_rejects_malformed_text(encoded, message):
    with pytest.raises(ValueError, match=message):
        decode_rle(encoded, 4, 3)


def test_rle_round_trip_on_random_masks():
    rng = np.random.default_rng(0)
    for height, width, density in [(1, 1, 0.5), (7, 3, 0.3), (17, 29, 0.5), (32, 8, 0.9), (5, 5, 0.0)]:
        mask = rng.random((height, width)) < density
        encoded = encode_rle(mask)
        np.testing.assert_array_equal(decode_rle(encoded, height, width), mask)
        values = [int(v) for v in encoded.split()]
        starts, lengths = values[0::2], values[1::2]
        assert all(s2 > s1 + n1 for s1, n1, s2 in zip(starts, lengths, starts[1:]))  # maximal, increasing
    assert encode_rle(np.ones((4, 3), bool)) == '1 12'
    assert encode_rle(np.zeros((4, 3), bool)) == ''


# ------------------------------------------------------------------------------------------------ converter
@pytest.fixture(scope='module')
def imat_src(tmp_path_factory):
    src = tmp_path_factory.mktemp('imat_src')
    (src / 'train').mkdir()
    rng = np.random.default_rng(0)
    for image_id, (height, width, _) in SOURCE.items():
        cv2.imwrite(str(src / 'train' / f'{image_id}.jpg'), rng.integers(0, 255, (height, width, 3), np.uint8))
    with open(src / 'train.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId'])
        for image_id, (height, width, rows) in SOURCE.items():
            for encoded, class_id in rows:
                writer.writerow([image_id, encoded, height, width, class_id])
    categories = [dict(id=i, name=name, supercategory='synthetic', level=1) for i, name in enumerate(NAMES)]
    (src / 'label_descriptions.json').write_text(json.dumps(dict(categories=categories, attributes=[])))
    return src


@pytest.fixture(scope='module')
def imat_out(imat_src, tmp_path_factory):
    """The synthetic source converted once by the command line tool; image d has a bad row (exit status 1)."""
    out = tmp_path_factory.mktemp('imat_out') / 'imat'
    result = run_tool([TOOL, '--src', str(imat_src), '--out', str(out), '--val-fraction', '0.5'], check=False)
    assert result.returncode == 1, result.stderr
    assert 'converted 3, skipped existing 0, bad 1' in result.stdout
    assert f'line {BAD_LINE}' in result.stderr and 'after the last pixel 16' in result.stderr
    assert 'bad images (left out of the splits): d' in result.stdout
    assert str(out) in result.stdout
    return out


def test_converter_label_values_and_overlap_rules(imat_out):
    for image_id in 'abc':
        fine = read_png(imat_out / 'labels_fine' / f'{image_id}.png')
        grouped = read_png(imat_out / 'labels_grouped4' / f'{image_id}.png')
        assert fine.dtype == np.uint8 and grouped.dtype == np.uint8
        np.testing.assert_array_equal(fine, EXPECTED_FINE[image_id], err_msg=f'fine {image_id}')
        np.testing.assert_array_equal(grouped, EXPECTED_GROUPED4[image_id], err_msg=f'grouped4 {image_id}')
    assert not (imat_out / 'labels_fine' / 'd.png').exists()
    assert not (imat_out / 'labels_grouped4' / 'd.png').exists()


def test_converter_layout_splits_and_manifest(imat_src, imat_out):
    assert os.path.islink(imat_out / 'images')
    assert os.path.realpath(imat_out / 'images') == os.path.realpath(imat_src / 'train')
    train = (imat_out / 'splits' / 'train.txt').read_text().split()
    val = (imat_out / 'splits' / 'val.txt').read_text().split()
    planned_val = {'abcd'[i] for i in np.random.default_rng(0).permutation(4)[:2]}
    assert set(val) == planned_val - {'d'} and set(train) == set('abcd') - planned_val - {'d'}
    manifest = json.loads((imat_out / 'conversion.json').read_text())
    assert manifest['categories'] == NAMES
    assert manifest['modes'] == ['fine', 'grouped4']
    assert manifest['grouped4']['upper'] == [0, 1, 2, 3, 4, 5]
    assert manifest['grouped4']['whole'] == [9, 10, 11, 12]


def test_converter_rerun_is_idempotent_and_refuses_changes(imat_src, imat_out, tmp_path, capsys):
    main = converter()['main']
    before = tree_files(imat_out)
    args = ['--src', str(imat_src), '--out', str(imat_out), '--val-fraction', '0.5']
    assert main(args) == 1  # d is still bad
    assert 'converted 0, skipped existing 3, bad 1' in capsys.readouterr().out
    assert tree_files(imat_out) == before  # same bytes, same modification times
    # Another seed or mode would change files: refused, nothing written.
    assert main(args + ['--seed', '1']) == 2
    assert main(['--src', str(imat_src), '--out', str(imat_out), '--val-fraction', '0.5', '--mode', 'fine']) == 2
    assert 'Pass --overwrite' in capsys.readouterr().err
    assert tree_files(imat_out) == before
    # --limit and --mode on a fresh folder: the first 2 ImageIds of train.csv, fine maps only, copied images.
    out = tmp_path / 'limited'
    assert main(['--src', str(imat_src), '--out', str(out), '--mode', 'fine', '--limit', '2', '--copy-images']) == 0
    assert sorted(os.listdir(out / 'labels_fine')) == ['a.png', 'b.png']
    assert not (out / 'labels_grouped4').exists()
    assert not os.path.islink(out / 'images') and sorted(os.listdir(out / 'images')) == ['a.jpg', 'b.jpg']


def test_converter_reports_each_kind_of_bad_row(imat_src):
    tool = converter()
    row, bad_sample = tool['Row'], BadSample
    image = str(imat_src / 'train' / 'a.jpg')  # 6 x 5
    cases = [
        (row(2, '1 2 3', '6', '5', '1'), 'odd number'),
        (row(3, '1 x', '6', '5', '1'), 'not an integer'),
        (row(4, '29 5', '6', '5', '1'), 'after the last pixel 30'),
        (row(5, '1 2', '5', '6', '1'), 'Height x Width is 5 x 6 but the image is 6 x 5'),
        (row(6, '1 2', '6', '5', '46'), 'category 46 is not in 0..45'),
        (row(7, '1 2', '6', '5', 'shirt'), 'does not start with a category number'),
        (row(8, '1 2', 'six', '5', '1'), 'not integers'),
    ]
    for bad_row, message in cases:
        with pytest.raises(bad_sample, match=message) as error:
            tool['convert_image']([row(1, '1 2', '6', '5', '0'), bad_row], image, 46, ('fine', 'grouped4'))
        assert f'line {bad_row.line}:' in str(error.value) and 'line 1:' not in str(error.value)
    with pytest.raises(bad_sample, match='missing'):
        tool['convert_image']([row(1, '1 2', '6', '5', '0')], str(imat_src / 'train' / 'nope.jpg'), 46, ('fine',))


# -------------------------------------------------------------------------------------------------- dataset
def test_dataset_label_modes(imat_out):
    train = (imat_out / 'splits' / 'train.txt').read_text().split()
    for mode, expected, classes in [
        ('grouped4', EXPECTED_GROUPED4, ('background', 'upper', 'lower', 'whole')),
        ('fine', EXPECTED_FINE, ('background', *NAMES)),
        ('person', {k: (v > 0).astype(int) for k, v in EXPECTED_FINE.items()}, ('background', 'person')),
    ]:
        dataset = build(data_root=str(imat_out), split='train', label_mode=mode)
        assert isinstance(dataset, IMaterialistDataset)
        assert dataset.metainfo['classes'] == classes and len(dataset.metainfo['palette']) == len(classes)
        assert len(dataset) == len(train)
        for i, image_id in enumerate(train):
            info = dataset.get_data_info(i)
            assert info['sample_id'] == image_id
            assert info['depth_path'] == os.path.join(str(imat_out), 'depth', f'{image_id}.png')
            np.testing.assert_array_equal(dataset[i]['gt_seg_map'], expected[image_id], err_msg=f'{mode} {image_id}')


def test_dataset_names_fallback_and_errors(imat_out, tmp_path):
    assert category_names(str(imat_out)) == (NAMES, 'conversion.json')
    names, origin = category_names(str(tmp_path))
    assert names == [f'category_{i}' for i in range(46)] and 'generic' in origin
    with pytest.raises(ValueError, match='label_mode'):
        IMaterialistDataset(data_root=str(imat_out), label_mode='native')
    with pytest.raises(FileNotFoundError, match='imaterialist.py'):
        IMaterialistDataset(data_root=str(tmp_path / 'absent'))
