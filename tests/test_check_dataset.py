# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""tools/misc/check_dataset.py on a clean and a corrupted synthetic Dress Code tree, and on a config it cannot use."""

import json
import runpy
import shutil

import cv2
import numpy as np
import pytest
from conftest import REPO

QUICKSTART = REPO / 'configs/quickstart/topformer_b_dresscode_cpu.py'


def check(argv):
    return runpy.run_path(str(REPO / 'tools/misc/check_dataset.py'))['main'](argv)


def on(root):
    return ['--cfg-options', *(f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val', 'test'))]


def test_clean_tree_gives_counts_histogram_sizes_visibility_and_exit_0(synthetic_dresscode, tmp_path, capsys):
    out = tmp_path / 'report.json'
    assert check([str(QUICKSTART), '--out', str(out), *on(synthetic_dresscode)]) == 0
    printed = capsys.readouterr()
    report = json.loads(out.read_text())
    train, val = report['datasets']  # test_dataloader is the val dataset: scanned once
    assert (train['loader'], val['loader']) == ('train_dataloader', 'val_dataloader')
    assert 'test_dataloader: the same dataset as scanned above, skipped' in printed.err
    assert (train['listed'], train['loaded'], train['problems']) == (24, 24, [])  # 8 train samples x 3 categories
    assert (val['listed'], val['loaded']) == (6, 6)
    assert train['image_sizes'] == {'128x96': 24}
    shares = [c['share'] for c in train['classes'].values()]
    assert len(shares) == 18 and sum(shares) == pytest.approx(1.0)
    assert train['classes']['background']['images'] == 24 and train['classes']['background']['share'] > 0.5
    assert sum(c['pixels'] for c in train['classes'].values()) == 24 * 128 * 96
    visibility = train['keypoint_visibility']
    assert len(visibility) == 18 and all(0 <= v <= 1 for v in visibility.values()) and visibility['neck'] == 1.0
    assert 'samples: 24 listed' in printed.out and 'keypoint visibility' in printed.out
    assert '0 problem(s) in 2 dataset(s)' in printed.out and str(out) in printed.out
    # progress: captured stderr is no terminal, so plain lines (mmext.utils.progress), no carriage returns
    assert 'train_dataloader (DressCodeDataset): 24/24 sample (100 %)' in printed.err and '\r' not in printed.err


def test_corrupted_tree_lists_every_problem_and_exits_1(synthetic_dresscode, tmp_path, capsys):
    root = tmp_path / 'dc'
    shutil.copytree(synthetic_dresscode, root)
    ids = [line.split()[0][:-6] for line in (root / 'dresses' / 'train_pairs.txt').read_text().splitlines()]
    photo = root / 'dresses' / 'images' / f'{ids[0]}_0.jpg'
    photo.write_bytes(photo.read_bytes()[:500])
    label = root / 'dresses' / 'label_maps' / f'{ids[1]}_4.png'
    cv2.imwrite(str(label), np.full((128, 96), 30, np.uint8))
    keypoints = root / 'dresses' / 'keypoints' / f'{ids[2]}_2.json'
    keypoints.write_text('{"keypoints": [[NaN')
    missing = root / 'dresses' / 'label_maps' / f'{ids[3]}_4.png'
    missing.unlink()
    out = tmp_path / 'report.json'
    assert check([str(QUICKSTART), '--split', 'train', '--out', str(out), *on(root)]) == 1
    printed = capsys.readouterr().out
    (train,) = json.loads(out.read_text())['datasets']
    assert (train['listed'], train['loaded']) == (23, 20)
    found = {(p['path'], p['when']): p['problem'] for p in train['problems']}
    assert set(found) == {(str(photo), 'load'), (str(label), 'load'), (str(keypoints), 'load'), (str(missing), 'index')}
    assert found[(str(photo), 'load')].startswith('truncated JPEG')
    assert found[(str(label), 'load')] == 'label value(s) 30 outside the classes 0..17 (ignore index 255)'
    assert found[(str(keypoints), 'load')].startswith('unreadable keypoint JSON')
    assert f'PROBLEM (index): {missing}: listed in train_pairs.txt of dresses but missing' in printed
    assert '4 problem(s) in 1 dataset(s)' in printed


def test_unusable_split_and_config_without_loaders(synthetic_dresscode, tmp_path, capsys):
    root = tmp_path / 'dc'
    shutil.copytree(synthetic_dresscode, root)
    (root / 'upper_body' / 'test_pairs_paired.txt').write_text('')
    assert check([str(QUICKSTART), '--split', 'val', *on(root)]) == 1
    assert 'test_pairs_paired.txt: pair list is empty' in capsys.readouterr().out
    empty = tmp_path / 'empty.py'
    empty.write_text('model = dict()\n')
    assert check([str(empty)]) == 2
    assert 'has no train_dataloader, val_dataloader, test_dataloader with a dataset' in capsys.readouterr().err


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        check(['--help'])
    printed = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert 'Examples:' in printed and '--split' in printed and '--out' in printed and '--cfg-options' in printed


def test_a_missing_data_root_is_that_splits_problem_and_the_others_are_reported(synthetic_dresscode, tmp_path, capsys):
    out = tmp_path / 'report.json'
    missing = tmp_path / 'nowhere'
    assert (
        check(
            [
                str(QUICKSTART),
                '--out',
                str(out),
                '--cfg-options',
                f'train_dataloader.dataset.data_root={missing}',
                f'val_dataloader.dataset.data_root={synthetic_dresscode}',
                f'test_dataloader.dataset.data_root={synthetic_dresscode}',
            ]
        )
        == 1
    )
    train, val = json.loads(out.read_text())['datasets']
    assert not train['built'] and str(missing) in train['problems'][0]['path']
    assert 'does not exist' in train['problems'][0]['problem']
    assert val['built'] and val['loaded'] == 6
    printed = capsys.readouterr()
    assert 'PROBLEM (index)' in printed.out and 'FileNotFoundError' not in printed.err  # reported, not raised
