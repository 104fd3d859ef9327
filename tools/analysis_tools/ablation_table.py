#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Compare training runs: one row per config, mean and spread over the seeds or cross-validation folds given.

Each RUN is a work dir (its ``run_summary.json``, written by ``RunSummaryHook``, and the config mmengine
saved there), a result file written by ``tools/analysis_tools/run_result.py``, or a folder of such files: the
seeds of one split (``runs/<label set>/<variant>/seed*.json``) or the cross-validation folds of a campaign
(``fold<k>.json``, each run trained on fold k and evaluated on its held-out photos); the folder name is the row.
Measures inference GFLOPs and CPU latency of each config's segmentation path (auxiliary heads excluded: they
do not run at inference) at one input shape, all configs timed in the same interleaved rounds (--no-cost skips
it); writes ablation.md, ablation.csv and ablation.png (grouped bar chart) to --out, and, where the runs logged
validation curves, learning_curves.png / .json (what the last 20 % of the schedule added, per run and mean).

With --baseline NAME, each row's paired difference to that row is added (ablation_diff.md / .json / .png):
- seed runs are paired by seed (the same val photos): a 95 % t interval of the per-seed differences, and a
  per-image bootstrap interval that resamples the evaluated photos (the seeds' mean dataset-level mIoU);
- fold runs are paired by fold (the same held-out photos): a 95 % t interval of the per-fold differences, and
  a per-image bootstrap over all held-out photos pooled across the folds (each photo is held out once; the
  dataset-level mIoU of the pooled photos), photo identity checked fold by fold.
Both bootstraps draw --bootstrap resamples from a seeded generator, so a table regenerates identically.

Layout: the statistics live in the package (``mmext.evaluation.paired_statistics``); this file holds what is
particular to the tool -- loading run and result files, timing the inference cost, writing Markdown, CSV,
JSON and plots -- in that order, so that it stays one script that runs and imports without path set-up.

Examples:
    python tools/analysis_tools/ablation_table.py work_dirs/ablation_demo/* --out work_dirs/ablation_demo
    python tools/analysis_tools/ablation_table.py projects/ccp_pose_aux/runs/clothing4/* --baseline seg_only \
        --shape 320 212 --out projects/ccp_pose_aux/results
    python tools/analysis_tools/ablation_table.py projects/ccp_pose_aux/runs/pretrained/{seg_only,pose_input} \
        --baseline seg_only --no-cost --out projects/ccp_pose_aux/results/pretrained
"""

import argparse
import csv
import glob
import json
import os
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import numpy as np

# torch and mmext are imported where they are used (--help stays instant).
# = mmext.engine.hooks.SUMMARY_FILE (tests/test_tool_help.py checks)
SUMMARY_FILE = 'run_summary.json'

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# Metric columns in display order (those present in no run are dropped). per_image_iou.*: PerImageIoUMetric's
# IoU per image, averaged over the images that hold the group.
METRIC_COLUMNS = [
    'mIoU',
    'per_image_mIoU',
    'per_image_iou.upper',
    'per_image_iou.lower',
    'per_image_iou.whole',
    'gIoU.upper',
    'gIoU.lower',
    'gIoU.whole',
    'gIoU.clothing',
    'gIoU.person',
    'gIoU.background',
    'PCK@0.05',
    'PCK@0.05_mean_pose',
    'PCK@0.05_mean_pose_oracle',
    'PCK@0.1',
    'PCK@0.1_mean_pose',
    'PCK@0.1_mean_pose_oracle',
    'AbsRel',
    'delta1',
]
COST_COLUMNS = ['params_M', 'GFLOPs', 'latency_ms', 'train_time_s']
DIFF_METRICS = ['mIoU', 'gIoU.upper', 'gIoU.lower', 'gIoU.whole', 'per_image_mIoU', 'PCK@0.1']

__all__ = [
    'load_runs',
    'inference_costs',
    'build_rows',
    'paired_differences',
    'dataset_miou',
    'write_outputs',
    'write_differences',
    'learning_curves',
    'main',
]


# ---------------------------------------------------------------------------------------------------------------
# Loading: work dirs, result files, folders of seed*.json or fold<k>.json
# ---------------------------------------------------------------------------------------------------------------
def dataset_miou(intersection, union):
    """mmext.evaluation.paired_statistics.dataset_miou (imported on first use)."""
    from mmext.evaluation.paired_statistics import dataset_miou as miou

    return miou(intersection, union)


FOLD_FILE = re.compile(r'fold(\d+)\.json$')
FOLD_SPLIT = re.compile(r'fold(\d+)_(?:train|val)$')


def load_runs(source: str) -> List[dict]:
    """The runs of one command-line argument: a work dir, a result file, or a folder of result files
    (``seed*.json`` or ``fold<k>.json``, not both)."""
    if source.endswith('.json'):
        return [load_result_file(source, osp.basename(osp.dirname(osp.abspath(source))))]
    if osp.isfile(osp.join(source, SUMMARY_FILE)):
        return [load_run(source)]
    seeds = sorted(glob.glob(osp.join(source, 'seed*.json')))
    folds = sorted(glob.glob(osp.join(source, 'fold*.json')))
    if seeds and folds:
        raise ValueError(
            f'{source} holds both seed*.json and fold*.json result files: one folder is one row, '
            'either seeds of one split or cross-validation folds'
        )
    if not seeds and not folds:
        raise FileNotFoundError(
            f'{source}: neither a work dir with {SUMMARY_FILE} nor a folder of seed*.json or fold<k>.json result files'
        )
    name = osp.basename(osp.normpath(source))
    runs = [load_result_file(path, name) for path in seeds or folds]
    return sorted(runs, key=lambda run: run['fold']) if folds else runs


def fold_of(path: str, result: dict) -> Optional[int]:
    """The cross-validation fold of a result file: k of its name ``fold<k>.json`` (None for other names).

    The fold splits its --cfg-options name (``fold<k>_train`` / ``fold<k>_val``, written by the campaign
    runner) must agree with the name.
    """
    match = FOLD_FILE.fullmatch(osp.basename(path))
    if osp.basename(path).startswith('fold') and not match:
        raise ValueError(f'{path}: a fold result file is named fold<k>.json')
    if not match:
        return None
    fold = int(match.group(1))
    named = {
        int(m.group(1))
        for value in (result.get('cfg_options') or {}).values()
        if isinstance(value, str)
        for m in [FOLD_SPLIT.fullmatch(value)]
        if m
    }
    if named - {fold}:
        raise ValueError(
            f'{path} is fold {fold} by its name, but its run trained or evaluated on the splits of '
            f'fold(s) {sorted(named)} (cfg_options)'
        )
    return fold


def load_result_file(path: str, name: str) -> dict:
    with open(path) as f:
        result = json.load(f)
    if not result.get('metrics'):
        raise ValueError(f'{path} holds no metrics (written by tools/analysis_tools/run_result.py?)')
    config = osp.join(REPO, result['config'])
    return dict(
        work_dir=path,
        name=name,
        seed=result.get('seed'),
        fold=fold_of(path, result),
        config=config,
        metrics=result['metrics'],
        train_time_s=result.get('train_time_s'),
        params=result.get('params_inference'),
        per_image=result.get('per_image'),
        curve=(result.get('learning_curve') or {}).get('val'),
    )


def load_run(work_dir: str) -> dict:
    path = osp.join(work_dir, SUMMARY_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found: train with RunSummaryHook in custom_hooks (the ablation configs have it)'
        )
    with open(path) as f:
        summary = json.load(f)
    metrics = summary.get('test_metrics') or summary.get('val_metrics')
    if not metrics:
        raise ValueError(f'{path} holds no evaluation metrics: did the run finish its final validation?')
    config = osp.join(work_dir, summary['config'])
    if not osp.isfile(config):
        raise FileNotFoundError(f'{config} (the config mmengine saves in the work dir) not found')
    return dict(
        work_dir=work_dir,
        name=osp.splitext(summary['config'])[0],
        seed=summary.get('seed'),
        fold=None,
        config=config,
        metrics=metrics,
        train_time_s=summary.get('train_time_s'),
        params=summary.get('params_inference'),
        per_image=None,
    )


def group_by_name(runs: List[dict]) -> Dict[str, List[dict]]:
    by_name: Dict[str, List[dict]] = OrderedDict()
    for run in runs:
        by_name.setdefault(run['name'], []).append(run)
    return by_name


def unit_of(runs: List[dict]) -> str:
    """What the runs replicate over, for labels: 'folds' (all fold runs), 'seeds' (none) or 'runs' (mixed)."""
    kinds = {run.get('fold') is not None for run in runs}
    return 'runs' if len(kinds) > 1 else ('folds' if kinds == {True} else 'seeds')


# ---------------------------------------------------------------------------------------------------------------
# Cost timing: GFLOPs and CPU latency of each config's inference path
# ---------------------------------------------------------------------------------------------------------------
def inference_costs(
    configs: Dict[str, str], shape: Tuple[int, int], repeat: int, warmup: int
) -> Dict[str, Dict[str, float]]:
    """GFLOPs and median CPU latency (batch 1) of each config's ``mode='tensor'`` path, by row name.

    All models are timed in the same interleaved rounds, so their latencies are comparable within the table.
    """
    import torch
    from mmengine.config import Config

    from mmext.utils.benchmarking import (
        TensorMode,
        build_inference_segmentor,
        count_gflops,
        input_channels,
        time_side_by_side,
    )

    models, inputs, costs = {}, {}, {}
    for i, (name, config_path) in enumerate(configs.items(), 1):
        print(f'[{i}/{len(configs)}] building {name}', flush=True)
        cfg = Config.fromfile(config_path)
        models[name] = TensorMode(build_inference_segmentor(cfg))
        inputs[name] = torch.randn(1, input_channels(cfg), *shape)
        costs[name] = dict(GFLOPs=count_gflops(models[name], inputs[name]))
    print(f'timing {len(models)} models at {shape[0]}x{shape[1]} in {repeat} interleaved rounds', flush=True)
    timings = time_side_by_side(
        {name: (lambda m=model, x=inputs[name]: m(x)) for name, model in models.items()}, repeat, warmup
    )
    for name in models:
        costs[name]['latency_ms'] = timings[name]['median_ms']
    return costs


# ---------------------------------------------------------------------------------------------------------------
# Rows and pairing (the statistics themselves: mmext.evaluation.paired_statistics)
# ---------------------------------------------------------------------------------------------------------------
def aggregate(values: List[Optional[float]]) -> Tuple[Optional[float], Optional[float]]:
    values = [v for v in values if v is not None and not np.isnan(v)]
    if not values:
        return None, None
    return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else None


def build_rows(runs: List[dict], costs: Dict[str, Dict[str, float]]) -> List[dict]:
    """One row per name: mean and sample std over its runs of every metric, parameters, cost and time."""
    rows = []
    for name, group in group_by_name(runs).items():
        row = OrderedDict(config=name, runs=len(group), unit=unit_of(group))
        for column in METRIC_COLUMNS:
            row[column] = aggregate([r['metrics'].get(column) for r in group])
        row['params_M'] = (aggregate([r['params'] / 1e6 if r['params'] else None for r in group])[0], None)
        row['GFLOPs'] = (costs[name]['GFLOPs'], None) if name in costs else (None, None)
        row['latency_ms'] = (costs[name]['latency_ms'], None) if name in costs else (None, None)
        row['train_time_s'] = aggregate([r['train_time_s'] for r in group])
        rows.append(row)
    return rows


def pairing_keys(group: List[dict], name: str) -> Tuple[str, Dict[int, dict]]:
    """('fold', fold -> run) for a row of fold runs, ('seed', seed -> run) for a row of seed runs."""
    unit = unit_of(group)
    if unit == 'runs':
        raise ValueError(f'row {name!r} mixes fold runs and seed runs: nothing to pair them by')
    key = 'fold' if unit == 'folds' else 'seed'
    return key, {run[key]: run for run in group}


def paired_differences(runs: List[dict], baseline: str, bootstrap: int, seed: int = 0) -> List[dict]:
    """Per row: mean paired difference to ``baseline`` per metric, with a 95 % t interval over the seeds or
    folds and (for mIoU) a per-image bootstrap interval.

    Seed runs pair by seed and the bootstrap resamples their common val photos; fold runs pair by fold and the
    bootstrap resamples every held-out photo of the paired folds, pooled. Raises ValueError when the runs
    cannot be paired: seed rows against fold rows, or paired runs evaluated on different photos.
    """
    from mmext.evaluation.paired_statistics import (
        PerImageCounts,
        bootstrap_miou_difference,
        paired_difference,
        pool_held_out,
    )

    by_name = OrderedDict((name, pairing_keys(group, name)) for name, group in group_by_name(runs).items())
    if baseline not in by_name:
        raise ValueError(f'--baseline {baseline!r} is not among the rows {list(by_name)}')
    key, base = by_name[baseline]
    rng = np.random.default_rng(seed)
    rows = []
    for name, (row_key, group) in by_name.items():
        if name == baseline:
            continue
        if row_key != key:
            raise ValueError(
                f'row {name!r} holds {row_key} runs and the baseline {baseline!r} {key} runs: pair seed '
                'runs with seed runs, fold runs with fold runs'
            )
        pairs = sorted(set(group) & set(base))
        row = OrderedDict(config=name, **{f'paired_{key}s': len(pairs)})
        for metric in DIFF_METRICS:
            both = [k for k in pairs if metric in group[k]['metrics'] and metric in base[k]['metrics']]
            if not both:
                continue
            difference = paired_difference(
                [group[k]['metrics'][metric] for k in both], [base[k]['metrics'][metric] for k in both]
            )
            row[metric] = OrderedDict(
                [
                    ('diff', difference.mean),
                    (f'ci_{key}s', None if difference.interval is None else list(difference.interval)),
                    (f'per_{key}', difference.per_pair),
                ]
            )
        if pairs and 'mIoU' in row and all(group[k].get('per_image') and base[k].get('per_image') for k in pairs):
            ours = [PerImageCounts.from_record(group[k]['per_image']) for k in pairs]
            theirs = [PerImageCounts.from_record(base[k]['per_image']) for k in pairs]
            if key == 'fold':
                try:
                    pooled = pool_held_out(ours, theirs)
                except ValueError as error:
                    raise ValueError(f'{name} vs {baseline}: {error}') from None
                ours, theirs = [pooled[0]], [pooled[1]]
                row['mIoU']['images'] = len(pooled[0].images)
                # The statistic the image interval is about: the dataset-level mIoU difference on all pooled photos.
                row['mIoU']['diff_images'] = float(
                    dataset_miou(pooled[0].intersection, pooled[0].union)
                    - dataset_miou(pooled[1].intersection, pooled[1].union)
                )
            row['mIoU']['ci_images'] = list(bootstrap_miou_difference(ours, theirs, bootstrap, rng))
        rows.append(row)
    return rows


def curve_summaries(runs: List[dict], tail: float = 0.2) -> Dict[str, dict]:
    """Per row with validation curves: the curves (iteration -> mIoU, one per run) and what the last ``tail``
    of the schedule added to each run (mIoU at the last logged iteration minus at the one nearest
    ``(1 - tail) x last``), with the mean over the runs."""
    summaries = OrderedDict()
    for name, group in group_by_name([run for run in runs if run.get('curve')]).items():
        unit = unit_of(group)
        curves = [dict(run['curve']) for run in group]  # iteration -> val mIoU, per run
        steps = sorted({step for curve in curves for step in curve})
        values = np.array([[curve.get(step, np.nan) for step in steps] for curve in curves])
        last = steps[-1]
        start = min(steps, key=lambda s: abs(s - (1 - tail) * last))
        gains = [curve[last] - curve[start] for curve in curves if last in curve and start in curve]
        per = 'tail_gain_per_fold' if unit == 'folds' else 'tail_gain_per_seed'
        summaries[name] = dict(
            unit=unit,
            steps=steps,
            values=values,
            summary=OrderedDict(
                [
                    ('final_mIoU', float(np.nanmean(values[:, -1]))),
                    ('tail_from', start),
                    ('tail_to', last),
                    ('tail_gain_mean', float(np.mean(gains))),
                    (per, gains),
                ]
            ),
        )
    return summaries


# ---------------------------------------------------------------------------------------------------------------
# Output: Markdown, CSV, JSON and plots
# ---------------------------------------------------------------------------------------------------------------
def table_unit(rows: List[dict]) -> str:
    units = {row['unit'] for row in rows}
    return units.pop() if len(units) == 1 else 'runs'


def present_columns(rows: List[dict]) -> List[str]:
    return [c for c in METRIC_COLUMNS + COST_COLUMNS if any(row[c][0] is not None for row in rows)]


def fmt(value: Tuple[Optional[float], Optional[float]], digits: int = 2) -> str:
    mean, std = value
    if mean is None:
        return '-'
    return f'{mean:.{digits}f}' + (f' ± {std:.{digits}f}' if std is not None else '')


def write_outputs(
    rows: List[dict], out_dir: str, shape: Tuple[int, int], runs: List[dict], record: Optional[dict] = None
) -> List[str]:
    """ablation.md, ablation.csv and ablation.png; ``record`` (:func:`mmext.utils.run_records.provenance`) adds the
    machine, the code commit and the command line to the Markdown notes."""
    os.makedirs(out_dir, exist_ok=True)
    columns = present_columns(rows)
    unit = table_unit(rows)
    digits = {'params_M': 3, 'GFLOPs': 3, 'latency_ms': 1, 'train_time_s': 0, 'AbsRel': 3}
    header = ['config', unit] + columns
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in rows:
        cells = [row['config'], str(row['runs'])] + [fmt(row[c], digits.get(c, 2)) for c in columns]
        lines.append('| ' + ' | '.join(cells) + ' |')
    cost_note = []
    if 'latency_ms' in columns:
        import torch

        from mmext.utils.machine import cpu_model

        cost_note = [
            f'GFLOPs and latency: inference path (auxiliary heads excluded), batch 1, input '
            f'{shape[0]}x{shape[1]}, CPU ({cpu_model()}, '
            f'{torch.get_num_threads()} threads), median of interleaved rounds.'
        ]
    fold_note = (
        [
            'Folds: each run trained on one cross-validation fold and evaluated on its held-out photos, so '
            'the spread over folds holds the photos\' variation as well as the training\'s.'
        ]
        if unit == 'folds'
        else []
    )
    per_image_note = (
        ['per_image_iou.*: IoU of each photo, averaged over the photos that hold the group (PerImageIoUMetric).']
        if any(c.startswith('per_image_iou.') for c in columns)
        else []
    )
    notes = [
        '',
        f'Metrics: final evaluation of each run (mean ± sample std over {unit} when several). IoUs and PCK in %.',
        *fold_note,
        *per_image_note,
        *cost_note,
        'params_M: inference-path parameters (millions). train_time_s: training loop wall time, validation excluded.',
        f'Runs: {", ".join(sorted(r["work_dir"] for r in runs))}',
        *record_lines(record),
    ]
    md_path = osp.join(out_dir, 'ablation.md')
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines + notes) + '\n')
    csv_path = osp.join(out_dir, 'ablation.csv')
    with open(csv_path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['config', unit] + [part for c in columns for part in (c, f'{c}_std')])
        for row in rows:
            writer.writerow(
                [row['config'], row['runs']] + ['' if v is None else f'{v:.6g}' for c in columns for v in row[c]]
            )
    png_path = osp.join(out_dir, 'ablation.png')
    plot(rows, [c for c in columns if c in METRIC_COLUMNS and c not in ('AbsRel',)], png_path)
    return ['\n'.join(lines), md_path, csv_path, png_path]


def plot(rows: List[dict], metrics: List[str], path: str) -> None:
    """Grouped bars: one group per metric, one bar per config (error bars = std over seeds or folds)."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(min(16.0, 2.0 + 1.1 * len(metrics)), 5.0))
    width = 0.8 / max(1, len(rows))
    x = np.arange(len(metrics))
    colours = plt.get_cmap('tab10').colors
    for i, row in enumerate(rows):
        # A metric a config does not have (PCK without a landmark head) gets no bar, not a zero.
        means = [np.nan if row[m][0] is None else row[m][0] for m in metrics]
        errors = [np.nan if row[m][1] is None else row[m][1] for m in metrics]
        ax.bar(
            x + (i - (len(rows) - 1) / 2) * width,
            means,
            width,
            label=row['config'],
            color=colours[i % len(colours)],
            yerr=None if all(np.isnan(errors)) else np.nan_to_num(errors),
            capsize=2,
        )
    ax.set_xticks(x)
    ax.set_xticklabels(metrics, rotation=30, ha='right')
    ax.set_ylabel('%')
    ax.set_ylim(0, 100)
    ax.set_title(
        'Auxiliary-task ablation'
        + (f' (mean ± std over {table_unit(rows)})' if any(r['runs'] > 1 for r in rows) else '')
    )
    ax.legend(fontsize=8, ncol=2, loc='upper left')
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def record_lines(record: Optional[dict]) -> List[str]:
    """The provenance of a table as Markdown note lines (none without a record)."""
    if not record:
        return []
    machine = ', '.join(f'{key} {value}' for key, value in record['machine'].items())
    code = record['code']
    commit = (code['commit'] or 'unknown')[:12] + (' (with uncommitted changes)' if code['dirty'] else '')
    return [f'Written by: {" ".join(record["command"])}', f'Table written on: {machine}; code commit {commit}.']


def write_differences(
    rows: List[dict], baseline: str, out_dir: str, resamples: int, record: Optional[dict] = None
) -> List[str]:
    def interval(ci):
        return '-' if ci is None else f'[{ci[0]:+.2f}, {ci[1]:+.2f}]'

    key = 'fold' if any('paired_folds' in row for row in rows) else 'seed'
    # Folds: the image interval is about the pooled photos' mIoU difference, shown beside it.
    pooled = ['Δ mIoU (pooled photos)'] if key == 'fold' else []
    lines = [
        f'| config | {key}s | '
        + ' | '.join([f'Δ {m}' for m in DIFF_METRICS] + pooled)
        + f' | mIoU 95 % CI ({key}s) | mIoU 95 % CI (images) |',
        '|' + '---|' * (len(DIFF_METRICS) + len(pooled) + 4),
    ]
    for row in rows:
        miou = row.get('mIoU', {})
        cells = [f'{row[m]["diff"]:+.2f}' if m in row else '-' for m in DIFF_METRICS]
        cells += [f'{miou["diff_images"]:+.2f}' if 'diff_images' in miou else '-' for _ in pooled]
        lines.append(
            f'| {row["config"]} | {row[f"paired_{key}s"]} | '
            + ' | '.join(cells)
            + f' | {interval(miou.get(f"ci_{key}s"))} | {interval(miou.get("ci_images"))} |'
        )
    if key == 'seed':
        notes = [
            '',
            f'Paired differences to {baseline} (same seed), in points. CI (seeds): 95 % t interval of the '
            f'per-seed differences. CI (images): 2.5-97.5 percentiles of the difference of the seeds\' mean '
            f'dataset-level mIoU over {resamples} resamples of the evaluated images.',
        ]
    else:
        pooled = sorted({row['mIoU']['images'] for row in rows if 'images' in row.get('mIoU', {})})
        photos = f'the {pooled[0]} photos' if len(pooled) == 1 else 'the photos'
        notes = [
            '',
            f'Paired differences to {baseline} (same fold: the same held-out photos), in points, mean over '
            'folds. CI (folds): 95 % t interval of the per-fold differences. Δ mIoU (pooled photos): the '
            f'dataset-level mIoU difference on {photos} held out in the paired folds, pooled (each photo is '
            'held out in one fold, and its two runs are paired photo by photo); CI (images): its 2.5-97.5 '
            f'percentiles over {resamples} resamples of those photos.',
        ]
    md_path = osp.join(out_dir, 'ablation_diff.md')
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines + notes + record_lines(record)) + '\n')
    json_path = osp.join(out_dir, 'ablation_diff.json')
    with open(json_path, 'w') as f:
        json.dump(
            dict(
                baseline=baseline,
                **({'paired_by': 'fold'} if key == 'fold' else {}),
                bootstrap_resamples=resamples,
                rows=rows,
                **(record or {}),
            ),
            f,
            indent=1,
        )
    png_path = osp.join(out_dir, 'ablation_diff.png')
    plot_differences(rows, baseline, png_path, key)
    return ['\n'.join(lines), md_path, json_path, png_path]


def plot_differences(rows: List[dict], baseline: str, path: str, key: str = 'seed') -> None:
    """mIoU difference to the baseline per row: seed or fold interval (thick) and image-bootstrap interval
    (thin)."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rows = [r for r in rows if 'mIoU' in r]
    fig, ax = plt.subplots(figsize=(7.0, 0.6 * len(rows) + 1.6))
    for y, row in enumerate(rows):
        miou = row['mIoU']
        if miou.get('ci_images'):
            ax.plot(miou['ci_images'], [y, y], color='0.6', linewidth=1.5, label='95 % CI, images' if y == 0 else None)
        if miou.get(f'ci_{key}s'):
            ax.plot(
                miou[f'ci_{key}s'],
                [y, y],
                color='tab:blue',
                linewidth=5,
                alpha=0.5,
                label=f'95 % CI, {key}s' if y == 0 else None,
            )
        ax.plot(miou[f'per_{key}'], [y] * len(miou[f'per_{key}']), 'o', color='tab:blue', markersize=3)
        ax.plot([miou['diff']], [y], 'D', color='black')
    ax.axvline(0, color='black', linewidth=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r['config'] for r in rows])
    ax.set_xlabel(f'mIoU difference to {baseline} (points; dots: {key}s, diamond: mean)')
    # Below the axes: inside, it would hide the interval of whichever row sits in its corner.
    ax.legend(fontsize=8, loc='upper center', bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    ax.grid(axis='x', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches='tight')
    plt.close(fig)


def learning_curves(
    runs: List[dict], out_dir: str, tail: float = 0.2, record: Optional[dict] = None, baseline: Optional[str] = None
) -> List[str]:
    """Validation mIoU against the iteration per row (mean over seeds or folds, each run as a thin line) ->
    learning_curves.png; and per row what the last ``tail`` of the schedule added, per run and mean, and with a
    ``baseline`` each row's paired gap to it at every logged iteration (:func:`curve_gaps`) ->
    learning_curves.json."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    summaries = curve_summaries(runs, tail)
    if not summaries:
        return []
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colours = plt.get_cmap('tab10').colors
    for i, (name, curves) in enumerate(summaries.items()):
        for row in curves['values']:
            ax.plot(curves['steps'], row, color=colours[i % 10], alpha=0.25, linewidth=0.8)
        ax.plot(
            curves['steps'],
            np.nanmean(curves['values'], 0),
            color=colours[i % 10],
            label=f'{name} ({len(curves["values"])} {curves["unit"]})',
        )
    ax.set_xlabel('iteration')
    ax.set_ylabel('validation mIoU (%)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png_path = osp.join(out_dir, 'learning_curves.png')
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
    json_path = osp.join(out_dir, 'learning_curves.json')
    with open(json_path, 'w') as f:
        gaps = {'gap_to_baseline': dict(baseline=baseline, rows=curve_gaps(runs, baseline))} if baseline else {}
        json.dump(
            dict(
                tail_fraction=tail, rows={name: c['summary'] for name, c in summaries.items()}, **gaps, **(record or {})
            ),
            f,
            indent=1,
        )
    return [png_path, json_path]


def curve_gaps(runs: List[dict], baseline: str) -> Dict[str, dict]:
    """Per row: its validation mIoU minus ``baseline``'s at each iteration both logged, paired by seed or fold --
    the mean over the pairs and each pair's gap. Whether a gain grows, holds or shrinks along the schedule."""
    groups = group_by_name([run for run in runs if run.get('curve')])
    if baseline not in groups:
        return {}
    key, base = pairing_keys(groups[baseline], baseline)
    gaps = OrderedDict()
    for name, group in groups.items():
        if name == baseline:
            continue
        _, own = pairing_keys(group, name)
        pairs = [(dict(own[k]['curve']), dict(base[k]['curve'])) for k in sorted(set(own) & set(base))]
        if not pairs:
            continue
        steps = sorted(set.intersection(*[set(a) & set(b) for a, b in pairs]))
        gaps[name] = OrderedDict(
            paired_by=key,
            pairs=len(pairs),
            mean_gap={str(step): float(np.mean([a[step] - b[step] for a, b in pairs])) for step in steps},
            gap_per_pair={str(step): [float(a[step] - b[step]) for a, b in pairs] for step in steps},
        )
    return gaps


def tail_lines(runs: List[dict], tail: float = 0.2) -> List[str]:
    """One line per row with curves: what the last ``tail`` of the schedule added, mean and per run."""
    lines = []
    for name, curves in curve_summaries(runs, tail).items():
        s = curves['summary']
        gains = s.get('tail_gain_per_fold', s.get('tail_gain_per_seed'))
        lines.append(
            f'{name}: the last {tail:.0%} ({s["tail_from"]} -> {s["tail_to"]} it.) adds '
            f'{s["tail_gain_mean"]:+.2f} mIoU, mean over {len(gains)} {curves["unit"]} '
            f'({", ".join(f"{g:+.2f}" for g in gains)})'
        )
    return lines


# ---------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        'runs',
        nargs='+',
        help='work dirs of finished runs, result files, or folders of result '
        'files (seed*.json or fold<k>.json; the runs of one config are averaged)',
    )
    parser.add_argument('--out', required=True, help='output folder for ablation.{md,csv,png}')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=(512, 384),
        metavar=('H', 'W'),
        help='input shape for GFLOPs and latency (default: 512 384)',
    )
    parser.add_argument('--repeat', type=int, default=10, help='timed forward passes per config (default: 10)')
    parser.add_argument('--warmup', type=int, default=2, help='untimed forward passes first (default: 2)')
    parser.add_argument('--no-cost', action='store_true', help='skip GFLOPs and latency')
    parser.add_argument('--baseline', help='row to pair every other row with, by seed or by fold (e.g. seg_only)')
    parser.add_argument('--bootstrap', type=int, default=2000, help='per-image bootstrap resamples (default: 2000)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.utils.run_records import provenance

    record = provenance(argv, __file__, repo=REPO)  # machine (CPU, threads, versions), code (commit), command
    runs = []
    for source in args.runs:
        try:
            runs += load_runs(source)
        except FileNotFoundError as e:
            print(f'skipping {e}', file=sys.stderr)
        except ValueError as e:
            print(f'error: {e}', file=sys.stderr)
            return 1
    if not runs:
        print('error: no finished runs among the given work dirs / result files', file=sys.stderr)
        return 1
    differences = None
    if args.baseline:  # pair first: runs that cannot be paired stop the tool before anything is timed or written
        try:
            differences = paired_differences(runs, args.baseline, args.bootstrap)
        except ValueError as e:
            print(f'error: {e}', file=sys.stderr)
            return 1
    costs = {}
    if not args.no_cost:
        configs = OrderedDict((r['name'], r['config']) for r in runs)
        costs = inference_costs(configs, tuple(args.shape), args.repeat, args.warmup)
    rows = build_rows(runs, costs)
    table, *paths = write_outputs(rows, args.out, tuple(args.shape), runs, record)
    paths += learning_curves(runs, args.out, record=record, baseline=args.baseline)
    print(table)
    for line in tail_lines(runs):
        print(line)
    if differences is not None:
        diff_table, *diff_paths = write_differences(differences, args.baseline, args.out, args.bootstrap, record)
        print(diff_table)
        paths += diff_paths
    print('Written: ' + ', '.join(paths))
    return 0


if __name__ == '__main__':
    sys.exit(main())
