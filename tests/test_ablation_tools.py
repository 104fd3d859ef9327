# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""tools/analysis_tools: the ablation table (mean and spread over seeds or cross-validation folds, paired
differences with their intervals, files) and the CPU demo runner; the paired statistics of the package."""

import csv
import importlib.util
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import numpy as np
import pytest
from conftest import REPO, run_tool
from scipy import stats

from mmext.evaluation.paired_statistics import (
    PerImageCounts,
    bootstrap_miou_difference,
    dataset_miou,
    paired_difference,
    pool_held_out,
    t_interval,
)

TABLE = 'tools/analysis_tools/ablation_table.py'


def load_table():
    """The table tool as a module (loaded from its file: tools/ is no package)."""
    spec = importlib.util.spec_from_file_location('ablation_table', REPO / TABLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def result_file(
    folder: Path,
    filename: str,
    metrics: dict,
    per_image: Optional[dict] = None,
    config: str = 'projects/ccp_pose_aux/configs/clothing4/seg_only.py',
    curve=None,
    cfg_options: Optional[dict] = None,
) -> Path:
    """A result file as tools/analysis_tools/run_result.py writes it (the fields the table reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(
        json.dumps(
            dict(
                config=config,
                cfg_options=cfg_options or {},
                seed=0,
                train_time_s=10.0,
                params_inference=1000,
                metrics=metrics,
                learning_curve=dict(val=curve or [], loss=[]),
                per_image=per_image,
            )
        )
    )
    return path


def fake_run(root, name, seed, metrics, train_time=100.0):
    work_dir = root / f'{name}_seed{seed}'
    work_dir.mkdir()
    shutil.copy(REPO / f'configs/ablations/dresscode_aux/{name}.py', work_dir / f'{name}.py')
    (work_dir / 'run_summary.json').write_text(
        json.dumps(
            dict(
                config=f'{name}.py', seed=seed, params_inference=5_028_722, train_time_s=train_time, val_metrics=metrics
            )
        )
    )
    return work_dir


def test_table_averages_seeds_and_writes_md_csv_png(tmp_path):
    runs = [
        fake_run(tmp_path, 'seg_only', 0, {'mIoU': 40.0, 'gIoU.upper': 50.0}),
        fake_run(tmp_path, 'seg_only', 1, {'mIoU': 44.0, 'gIoU.upper': 54.0}, train_time=120.0),
        fake_run(
            tmp_path, 'landmarks', 0, {'mIoU': 45.0, 'gIoU.upper': 56.0, 'PCK@0.1': 70.0, 'PCK@0.1_mean_pose': 30.0}
        ),
    ]
    out = tmp_path / 'table'
    result = run_tool(['tools/analysis_tools/ablation_table.py', *map(str, runs), '--out', str(out), '--no-cost'])
    markdown = (out / 'ablation.md').read_text()
    assert '| config | seeds | mIoU | gIoU.upper | PCK@0.1 | PCK@0.1_mean_pose | params_M | train_time_s |' in markdown
    assert '| seg_only | 2 | 42.00 ± 2.83 | 52.00 ± 2.83 | - | - | 5.029 | 110 ± 14 |' in markdown
    assert '| landmarks | 1 | 45.00 | 56.00 | 70.00 | 30.00 | 5.029 | 100 |' in markdown
    assert '| seg_only | 2 | 42.00 ± 2.83 |' in result.stdout and str(out / 'ablation.png') in result.stdout
    rows = list(csv.DictReader((out / 'ablation.csv').open()))
    assert [r['config'] for r in rows] == ['seg_only', 'landmarks']
    assert float(rows[0]['mIoU']) == 42.0 and float(rows[0]['mIoU_std']) == pytest.approx(2.828, rel=1e-3)
    assert float(rows[0]['train_time_s']) == 110.0 and rows[1]['mIoU_std'] == ''
    assert (out / 'ablation.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_table_refuses_runs_without_summary(tmp_path):
    (tmp_path / 'empty').mkdir()
    result = run_tool(
        ['tools/analysis_tools/ablation_table.py', str(tmp_path / 'empty'), '--out', str(tmp_path / 'o'), '--no-cost'],
        check=False,
    )
    assert result.returncode == 1 and 'no finished runs' in result.stderr


def test_inference_cost_excludes_auxiliary_heads(tmp_path):
    names = ('seg_only', 'landmarks_skeleton', 'pose_input')
    folders = [
        result_file(
            tmp_path / 'runs' / n, 'seed0.json', {'mIoU': 40.0}, config=f'configs/ablations/dresscode_aux/{n}.py'
        ).parent
        for n in names
    ]
    assert (
        load_table().main(
            [
                *map(str, folders),
                '--out',
                str(tmp_path / 'out'),
                '--shape',
                '64',
                '48',
                '--repeat',
                '2',
                '--warmup',
                '1',
            ]
        )
        == 0
    )
    costs = {row['config']: row for row in csv.DictReader((tmp_path / 'out' / 'ablation.csv').open())}
    seg, aux, wide = (costs[n] for n in names)
    assert all(float(c['latency_ms']) > 0 for c in costs.values())
    assert float(seg['GFLOPs']) > 0.01
    assert aux['GFLOPs'] == seg['GFLOPs']
    assert float(seg['GFLOPs']) < float(wide['GFLOPs']) < float(seg['GFLOPs']) * 1.05  # two more stem channels
    assert 'GFLOPs and latency: inference path' in (tmp_path / 'out' / 'ablation.md').read_text()


@pytest.mark.slow  # trains the whole demo family (about 2 minutes of one core); `make test-all` runs it
def test_demo_runs_a_family_end_to_end(tmp_path):
    result = run_tool(
        [
            'tools/analysis_tools/ablation_demo.py',
            '--data-root',
            str(tmp_path / 'data'),
            '--work-dir',
            str(tmp_path / 'runs'),
            '--variants',
            'seg_only',
            'landmarks',
            '--iters',
            '3',
            '--num',
            '4',
            '--image-size',
            '64x48',
            '--data-size',
            '64x48',
            '--batch-size',
            '2',
        ],
        timeout=900,
    )
    assert '[2/2] training landmarks' in result.stdout
    table = (tmp_path / 'runs' / 'ablation.md').read_text()
    assert '| seg_only | 1 |' in table and '| landmarks | 1 |' in table
    summary = json.loads((tmp_path / 'runs' / 'landmarks' / 'run_summary.json').read_text())
    assert summary['iterations'] == 3 and 'PCK@0.1' in summary['val_metrics']
    assert summary['params_aux_heads'] > 0
    again = run_tool(
        [
            'tools/analysis_tools/ablation_demo.py',
            '--data-root',
            str(tmp_path / 'data'),
            '--work-dir',
            str(tmp_path / 'runs'),
            '--variants',
            'seg_only',
            '--iters',
            '3',
            '--image-size',
            '64x48',
        ]
    )
    assert 'finished run found' in again.stdout  # finished runs are reused, not retrained


# ---------------------------------------------------------------------------------------------------------------
# Paired statistics (mmext.evaluation.paired_statistics)
# ---------------------------------------------------------------------------------------------------------------
CLASSES = ['background', 'upper', 'lower', 'whole']


def counts(images, seed: int, low: float = 0.3, high: float = 0.8) -> PerImageCounts:
    """Random per-image counts; unions are multiples of 10 so that a tenth of them is a whole pixel count."""
    rng = np.random.default_rng(seed)
    union = 10 * rng.integers(5, 20, (len(images), len(CLASSES)))
    inter = np.floor(union * rng.uniform(low, high, union.shape))
    return PerImageCounts(tuple(images), inter.astype(np.float64), union.astype(np.float64), tuple(CLASSES))


def shifted(base: PerImageCounts, fraction: float = 0.1) -> PerImageCounts:
    """Every image's intersection raised by ``fraction`` of its union: every class's IoU, on any set of images,
    rises by exactly ``fraction``, so the dataset-level mIoU by 100 x ``fraction`` points."""
    return PerImageCounts(base.images, base.intersection + fraction * base.union, base.union, base.classes)


@pytest.mark.parametrize('values', [[1.0, 3.0], [0.5, 1.5, -0.2], [2.0, 1.0, 4.0, 0.0, 3.5], list(range(12))])
def test_t_interval_is_scipys_student_t_interval(values):
    mean, sem = np.mean(values), stats.sem(values)
    expected = stats.t.interval(0.95, len(values) - 1, loc=mean, scale=sem)
    assert t_interval(values) == pytest.approx(expected, rel=1e-12)
    assert t_interval(values, 0.9) == pytest.approx(stats.t.interval(0.9, len(values) - 1, loc=mean, scale=sem))
    assert t_interval(values[:1]) is None
    difference = paired_difference([v + 2 for v in values], [2.0] * len(values))
    assert difference.mean == pytest.approx(mean) and difference.per_pair == pytest.approx(values)
    assert difference.interval == pytest.approx(expected)


def test_bootstrap_of_identical_runs_is_zero_and_of_a_constant_per_image_shift_is_the_shift():
    base = counts([f'im{i}' for i in range(30)], seed=1)
    assert bootstrap_miou_difference([base], [base], 300, np.random.default_rng(0)) == (0.0, 0.0)
    low, high = bootstrap_miou_difference([shifted(base)], [base], 300, np.random.default_rng(0))
    assert low == pytest.approx(10.0, abs=1e-9) and high == pytest.approx(10.0, abs=1e-9)
    # Several seeds of one split: the mean over the seeds, the images drawn once for all of them.
    other = counts(base.images, seed=2)
    low, high = bootstrap_miou_difference([shifted(base), shifted(other)], [base, other], 300, np.random.default_rng(0))
    assert low == pytest.approx(10.0, abs=1e-9) and high == pytest.approx(10.0, abs=1e-9)


def test_pooled_folds_pair_photo_by_photo_and_refuse_folds_that_do_not_partition_the_photos():
    folds = [counts([f'f{k}_{i}' for i in range(8)], seed=10 + k) for k in range(3)]
    ours, theirs = pool_held_out([shifted(f) for f in folds], folds)
    assert ours.images == theirs.images == tuple(f'f{k}_{i}' for k in range(3) for i in range(8))
    assert np.array_equal(theirs.union, np.concatenate([f.union for f in folds]))
    low, high = bootstrap_miou_difference([ours], [theirs], 200, np.random.default_rng(0))
    assert (low, high) == (pytest.approx(10.0, abs=1e-9), pytest.approx(10.0, abs=1e-9))

    renamed = PerImageCounts(('other',) + folds[1].images[1:], folds[1].intersection, folds[1].union, folds[1].classes)
    with pytest.raises(ValueError, match='paired fold 1: runs were evaluated on different images'):
        pool_held_out([folds[0], renamed, folds[2]], folds)
    reordered = PerImageCounts(
        folds[2].images[::-1], folds[2].intersection[::-1], folds[2].union[::-1], folds[2].classes
    )
    with pytest.raises(ValueError, match='the same images in another order'):
        pool_held_out(folds, [folds[0], folds[1], reordered])
    with pytest.raises(ValueError, match="image 'f0_0' is held out in paired folds 0 and 2"):
        pool_held_out([folds[0], folds[1], folds[0]], [folds[0], folds[1], folds[0]])
    with pytest.raises(ValueError, match='different images'):
        bootstrap_miou_difference([folds[0]], [folds[1]], 10, np.random.default_rng(0))


# ---------------------------------------------------------------------------------------------------------------
# The table tool on fold and seed campaigns
# ---------------------------------------------------------------------------------------------------------------
FOLDS, PHOTOS = 5, 10
PER_IMAGE_MIOU_SHIFT = [0.5, 1.5, -0.2, 2.0, 0.7]  # per fold, variant minus baseline


def fold_campaign(root: Path, variants=('seg_only', 'shifted', 'other')) -> dict:
    """Result files runs/<variant>/fold<k>.json: fold k holds out its own PHOTOS photos; 'shifted' is seg_only
    with a constant per-image shift (+10 points of IoU on every class), 'other' unrelated counts."""
    made = {}
    for k in range(FOLDS):
        images = [f'{k}{i:03d}' for i in range(PHOTOS)]
        base = counts(images, seed=100 + k)
        per_variant = dict(seg_only=base, shifted=shifted(base), other=counts(images, seed=200 + k))
        for name in variants:
            c = per_variant[name]
            miou = float(dataset_miou(c.intersection, c.union))
            shift = PER_IMAGE_MIOU_SHIFT[k] if name != 'seg_only' else 0
            metrics = {
                'mIoU': miou,
                'per_image_mIoU': 30.0 + k + shift,
                'per_image_iou.upper': 40.0 + k,
                'per_image_iou.lower': 35.0,
                'per_image_iou.whole': 25.0,
            }
            options = {
                'randomness.seed': 0,
                'train_dataloader.dataset.split': f'fold{k}_train',
                'val_dataloader.dataset.split': f'fold{k}_val',
            }
            result_file(
                root / name,
                f'fold{k}.json',
                metrics,
                cfg_options=options,
                per_image=dict(
                    images=list(c.images), intersection=c.intersection.tolist(), union=c.union.tolist(), classes=CLASSES
                ),
                curve=[[100, miou - 10], [400, miou - 1 - k / 10], [500, miou]],
            )
            made[name, k] = c
    return made


def test_fold_runs_pair_by_fold_with_a_t_interval_over_folds_and_a_pooled_photo_bootstrap(tmp_path):
    made = fold_campaign(tmp_path / 'runs')
    folders = [str(tmp_path / 'runs' / name) for name in ('seg_only', 'shifted', 'other')]
    out = tmp_path / 'out'
    result = run_tool([TABLE, *folders, '--baseline', 'seg_only', '--no-cost', '--bootstrap', '300', '--out', str(out)])
    diff = json.loads((out / 'ablation_diff.json').read_text())
    assert diff['paired_by'] == 'fold' and diff['bootstrap_resamples'] == 300
    shifted_row, other_row = diff['rows']
    assert shifted_row['paired_folds'] == 5  # every result file says seed 0: the pairing is by fold
    miou = shifted_row['mIoU']
    assert miou['diff'] == pytest.approx(10.0) and miou['per_fold'] == pytest.approx([10.0] * 5)
    assert miou['ci_folds'] == pytest.approx([10.0, 10.0]) and miou['images'] == FOLDS * PHOTOS
    assert miou['ci_images'] == pytest.approx([10.0, 10.0], abs=1e-9) and miou['diff_images'] == pytest.approx(10.0)
    per_image = shifted_row['per_image_mIoU']
    assert per_image['per_fold'] == pytest.approx(PER_IMAGE_MIOU_SHIFT)
    shifts = PER_IMAGE_MIOU_SHIFT
    expected = stats.t.interval(0.95, FOLDS - 1, loc=np.mean(shifts), scale=stats.sem(shifts))
    assert per_image['ci_folds'] == pytest.approx(expected, rel=1e-12)

    # The image interval is the pooled one: every held-out photo once, the statistic the dataset-level mIoU of
    # the pooled resample (not a mean over folds), draws in row order from the seeded generator.
    def pooled(name):
        return (
            np.concatenate([made[name, k].intersection for k in range(FOLDS)]),
            np.concatenate([made[name, k].union for k in range(FOLDS)]),
        )

    rng, n = np.random.default_rng(0), FOLDS * PHOTOS
    rng.integers(0, n, size=(300, n))  # the shifted row's draws
    (oi, ou), (bi, bu) = pooled('other'), pooled('seg_only')
    diffs = [float(dataset_miou(oi[p], ou[p]) - dataset_miou(bi[p], bu[p])) for p in rng.integers(0, n, size=(300, n))]
    assert other_row['mIoU']['ci_images'] == pytest.approx(
        [np.percentile(diffs, 2.5), np.percentile(diffs, 97.5)], rel=1e-9
    )
    assert other_row['mIoU']['diff'] == pytest.approx(
        np.mean(
            [
                dataset_miou(made['other', k].intersection, made['other', k].union)
                - dataset_miou(made['seg_only', k].intersection, made['seg_only', k].union)
                for k in range(FOLDS)
            ]
        )
    )

    # Labelled as folds everywhere; the clothing study's per-image IoU in the table.
    table = (out / 'ablation.md').read_text()
    assert table.startswith(
        '| config | folds | mIoU | per_image_mIoU | per_image_iou.upper | per_image_iou.lower | per_image_iou.whole |'
    )
    assert '| seg_only | 5 |' in table and 'mean ± sample std over folds' in table
    assert 'per_image_iou.upper' in table and '| 42.00 ± 1.58 | 35.00 ± 0.00 | 25.00 ± 0.00 |' in table
    assert list(csv.DictReader((out / 'ablation.csv').open()))[0]['folds'] == '5'
    diff_md = (out / 'ablation_diff.md').read_text()
    assert diff_md.startswith('| config | folds |') and 'mIoU 95 % CI (folds)' in diff_md
    assert diff_md.splitlines()[0].endswith(
        '| Δ PCK@0.1 | Δ mIoU (pooled photos) | mIoU 95 % CI (folds) | mIoU 95 % CI (images) |'
    )
    assert '| shifted | 5 | +10.00 |' in diff_md and '+10.00 | [+10.00, +10.00] | [+10.00, +10.00] |' in diff_md
    assert f'the {FOLDS * PHOTOS} photos held out in the paired folds, pooled' in diff_md
    (oi, ou), (bi, bu) = pooled('other'), pooled('seg_only')
    assert other_row['mIoU']['diff_images'] == pytest.approx(float(dataset_miou(oi, ou) - dataset_miou(bi, bu)))
    curves = json.loads((out / 'learning_curves.json').read_text())['rows']['seg_only']
    assert curves['tail_from'] == 400 and curves['tail_gain_per_fold'] == pytest.approx([1.0, 1.1, 1.2, 1.3, 1.4])
    assert curves['tail_gain_mean'] == pytest.approx(1.2) and 'tail_gain_per_seed' not in curves
    assert 'seg_only: the last 20% (400 -> 500 it.) adds +1.20 mIoU, mean over 5 folds' in result.stdout
    # The paired gap along the schedule: the shifted variant is 10 points above at every logged iteration.
    gaps = json.loads((out / 'learning_curves.json').read_text())['gap_to_baseline']
    assert gaps['baseline'] == 'seg_only' and set(gaps['rows']) == {'shifted', 'other'}
    shifted_gap = gaps['rows']['shifted']
    assert shifted_gap['paired_by'] == 'fold' and shifted_gap['pairs'] == FOLDS
    assert list(shifted_gap['mean_gap']) == ['100', '400', '500']
    assert shifted_gap['mean_gap'] == pytest.approx({'100': 10.0, '400': 10.0, '500': 10.0})


def test_fold_pairing_uses_the_folds_both_rows_have(tmp_path):
    fold_campaign(tmp_path / 'runs', variants=('seg_only', 'shifted'))
    (tmp_path / 'runs' / 'shifted' / 'fold3.json').unlink()
    table = load_table()
    runs = table.load_runs(str(tmp_path / 'runs' / 'seg_only')) + table.load_runs(str(tmp_path / 'runs' / 'shifted'))
    assert [r['fold'] for r in runs] == [0, 1, 2, 3, 4, 0, 1, 2, 4]
    (row,) = table.paired_differences(runs, 'seg_only', bootstrap=50)
    assert row['paired_folds'] == 4 and row['mIoU']['images'] == 4 * PHOTOS
    assert row['per_image_mIoU']['per_fold'] == pytest.approx([0.5, 1.5, -0.2, 0.7])


def test_table_refuses_fold_runs_it_cannot_pair(tmp_path, capsys):
    fold_campaign(tmp_path / 'runs', variants=('seg_only', 'shifted'))
    folders = [str(tmp_path / 'runs' / name) for name in ('seg_only', 'shifted')]

    tool = load_table()

    def table(*extra):
        returncode = tool.main(
            [*extra, '--baseline', 'seg_only', '--no-cost', '--bootstrap', '20', '--out', str(tmp_path / 'out')]
        )
        return SimpleNamespace(returncode=returncode, stderr=capsys.readouterr().err)

    # A fold of the variant evaluated on other photos than the baseline's same fold.
    path = tmp_path / 'runs' / 'shifted' / 'fold2.json'
    original = path.read_text()
    result = json.loads(original)
    result['per_image']['images'][0] = 'not_in_fold2'
    path.write_text(json.dumps(result))
    refused = table(*folders)
    assert refused.returncode == 1 and 'paired fold 2: runs were evaluated on different images' in refused.stderr
    assert not (tmp_path / 'out' / 'ablation_diff.md').exists()

    # A photo held out in two folds (both rows evaluated fold 4 on fold 0's photos).
    for name in ('seg_only', 'shifted'):
        fold0 = json.loads((tmp_path / 'runs' / name / 'fold0.json').read_text())
        fold4 = json.loads((tmp_path / 'runs' / name / 'fold4.json').read_text())
        fold4['per_image'] = fold0['per_image']
        (tmp_path / 'runs' / name / 'fold4.json').write_text(json.dumps(fold4))
    path.write_text(original)
    refused = table(*folders)
    assert refused.returncode == 1 and "image '0000' is held out in paired folds 0 and 4" in refused.stderr

    # Fold runs against seed runs; a folder holding both; a fold file trained on another fold's split.
    result_file(tmp_path / 'seeds' / 'seg_only', 'seed0.json', {'mIoU': 40.0})
    refused = table(str(tmp_path / 'seeds' / 'seg_only'), folders[1])
    assert refused.returncode == 1 and 'pair seed runs with seed runs, fold runs with fold runs' in refused.stderr
    result_file(tmp_path / 'runs' / 'shifted', 'seed0.json', {'mIoU': 40.0})
    refused = table(*folders)
    assert refused.returncode == 1 and 'holds both seed*.json and fold*.json' in refused.stderr
    (tmp_path / 'runs' / 'shifted' / 'seed0.json').unlink()
    result_file(
        tmp_path / 'runs' / 'shifted',
        'fold1.json',
        {'mIoU': 40.0},
        cfg_options={'train_dataloader.dataset.split': 'fold3_train'},
    )
    refused = table(*folders)
    assert refused.returncode == 1 and 'fold 1 by its name' in refused.stderr and 'fold(s) [3]' in refused.stderr


def test_seed_runs_pair_by_seed_as_before(tmp_path):
    """Seed campaigns: the table, keys and labels of before; the image interval resamples the common val photos
    once per draw for all seeds, the seeds' mean dataset-level mIoU compared -- in the generator's old order."""
    images = [f'im{i}' for i in range(25)]
    sides = {
        name: [counts(images, seed=10 * s + offset) for s in range(3)]
        for name, offset in (('seg_only', 1), ('pose_input', 2), ('skeleton', 3))
    }
    for name, per_seed in sides.items():
        for s, c in enumerate(per_seed):
            path = result_file(
                tmp_path / 'runs' / name,
                f'seed{s}.json',
                {
                    'mIoU': float(dataset_miou(c.intersection, c.union)),
                    'per_image_mIoU': 20.0 + s * (name != 'seg_only'),
                },
                per_image=dict(
                    images=images, intersection=c.intersection.tolist(), union=c.union.tolist(), classes=CLASSES
                ),
                curve=[[100, 1.0], [400, 2.0], [500, 2.5 + s]],
            )
            result = json.loads(path.read_text())
            result['seed'] = s
            path.write_text(json.dumps(result))
    out = tmp_path / 'out'
    assert (
        load_table().main(
            [
                *(str(tmp_path / 'runs' / n) for n in sides),
                '--baseline',
                'seg_only',
                '--no-cost',
                '--bootstrap',
                '200',
                '--out',
                str(out),
            ]
        )
        == 0
    )
    diff = json.loads((out / 'ablation_diff.json').read_text())
    # the seed format as before, then where the table came from (machine, code commit, command line)
    assert list(diff) == ['baseline', 'bootstrap_resamples', 'rows', 'machine', 'code', 'command']
    assert diff['machine']['cpu'] and diff['code']['commit'] and '--baseline' in diff['command']
    assert 'Written by: ' in (out / 'ablation.md').read_text()
    assert 'code commit' in (out / 'ablation_diff.md').read_text()
    pose, skeleton = diff['rows']
    assert list(pose) == ['config', 'paired_seeds', 'mIoU', 'per_image_mIoU']
    assert list(pose['mIoU']) == ['diff', 'ci_seeds', 'per_seed', 'ci_images']
    per_image = pose['per_image_mIoU']
    assert per_image['per_seed'] == [0.0, 1.0, 2.0]
    assert per_image['ci_seeds'] == pytest.approx(stats.t.interval(0.95, 2, loc=1.0, scale=stats.sem([0, 1, 2])))

    # The bootstrap as the tool always drew it: one (resamples, images) draw per row in row order.
    rng = np.random.default_rng(0)
    for row, name in ((pose, 'pose_input'), (skeleton, 'skeleton')):
        inter = np.array([[c.intersection for c in side] for side in (sides[name], sides['seg_only'])])
        union = np.array([[c.union for c in side] for side in (sides[name], sides['seg_only'])])
        diffs = []
        for pick in rng.integers(0, len(images), size=(200, len(images))):
            miou = dataset_miou(inter[:, :, pick], union[:, :, pick]).mean(-1)
            diffs.append(miou[0] - miou[1])
        assert row['mIoU']['ci_images'] == [np.percentile(diffs, 2.5), np.percentile(diffs, 97.5)]

    assert (out / 'ablation.md').read_text().startswith('| config | seeds | mIoU | per_image_mIoU |')
    diff_md = (out / 'ablation_diff.md').read_text()
    assert diff_md.startswith('| config | seeds |') and 'mIoU 95 % CI (seeds)' in diff_md
    assert "difference of the seeds' mean dataset-level mIoU over 200 resamples of the evaluated images" in diff_md
    curves = json.loads((out / 'learning_curves.json').read_text())['rows']['seg_only']
    assert list(curves) == ['final_mIoU', 'tail_from', 'tail_to', 'tail_gain_mean', 'tail_gain_per_seed']
    assert curves['tail_gain_per_seed'] == pytest.approx([0.5, 1.5, 2.5])
