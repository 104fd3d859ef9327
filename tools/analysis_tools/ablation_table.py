#!/usr/bin/env python
"""Compare training runs: one row per config, mean and spread over the seeds given.

Reads from each WORK_DIR the ``run_summary.json`` written by ``RunSummaryHook`` (final metrics, training
time, parameter counts) and the config mmengine saved there; measures inference GFLOPs and CPU latency
of each config's segmentation path (auxiliary heads excluded: they do not run at inference) at one
input shape; writes ablation.md, ablation.csv and ablation.png (grouped bar chart) to --out.

Example:
    python tools/analysis_tools/ablation_table.py work_dirs/ablation_demo/* --out work_dirs/ablation_demo
"""
import argparse
import csv
import json
import os
import os.path as osp
import platform
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

import mmext  # noqa: F401
from mmext.engine.hooks import SUMMARY_FILE

# Metric columns in display order (those present in no run are dropped).
METRIC_COLUMNS = ['mIoU', 'gIoU.upper', 'gIoU.lower', 'gIoU.whole', 'gIoU.clothing', 'gIoU.person',
                  'gIoU.background', 'PCK@0.05', 'PCK@0.05_mean_pose', 'PCK@0.1', 'PCK@0.1_mean_pose', 'AbsRel',
                  'delta1']
COST_COLUMNS = ['params_M', 'GFLOPs', 'latency_ms', 'train_time_s']


def load_run(work_dir: str) -> dict:
    path = osp.join(work_dir, SUMMARY_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: train with RunSummaryHook in custom_hooks (the ablation '
                                'configs have it)')
    with open(path) as f:
        summary = json.load(f)
    metrics = summary.get('test_metrics') or summary.get('val_metrics')
    if not metrics:
        raise ValueError(f'{path} holds no evaluation metrics: did the run finish its final validation?')
    config = osp.join(work_dir, summary['config'])
    if not osp.isfile(config):
        raise FileNotFoundError(f'{config} (the config mmengine saves in the work dir) not found')
    return dict(work_dir=work_dir, name=osp.splitext(summary['config'])[0], seed=summary.get('seed'),
                config=config, metrics=metrics, train_time_s=summary.get('train_time_s'),
                params=summary.get('params_inference'))


def inference_cost(config_path: str, shape: Tuple[int, int], repeat: int, warmup: int) -> Dict[str, float]:
    """GFLOPs and median CPU latency (batch 1) of the model's ``mode='tensor'`` path."""
    from mmengine.config import Config

    from mmext.utils.benchmarking import (TensorMode, build_inference_segmentor, count_gflops, input_channels,
                                          time_side_by_side)
    cfg = Config.fromfile(config_path)
    model = TensorMode(build_inference_segmentor(cfg))
    x = torch.randn(1, input_channels(cfg), *shape)
    latency = time_side_by_side({'model': lambda: model(x)}, repeat, warmup)['model']['median_ms']
    return dict(GFLOPs=count_gflops(model, x), latency_ms=latency)


def aggregate(values: List[Optional[float]]) -> Tuple[Optional[float], Optional[float]]:
    values = [v for v in values if v is not None and not np.isnan(v)]
    if not values:
        return None, None
    return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else None


def build_rows(runs: List[dict], costs: Dict[str, Dict[str, float]]) -> List[dict]:
    by_name: Dict[str, List[dict]] = OrderedDict()
    for run in runs:
        by_name.setdefault(run['name'], []).append(run)
    rows = []
    for name, group in by_name.items():
        row = OrderedDict(config=name, seeds=len(group))
        for column in METRIC_COLUMNS:
            row[column] = aggregate([r['metrics'].get(column) for r in group])
        row['params_M'] = (aggregate([r['params'] / 1e6 if r['params'] else None for r in group])[0], None)
        row['GFLOPs'] = (costs[name]['GFLOPs'], None) if name in costs else (None, None)
        row['latency_ms'] = (costs[name]['latency_ms'], None) if name in costs else (None, None)
        row['train_time_s'] = aggregate([r['train_time_s'] for r in group])
        rows.append(row)
    return rows


def present_columns(rows: List[dict]) -> List[str]:
    return [c for c in METRIC_COLUMNS + COST_COLUMNS if any(row[c][0] is not None for row in rows)]


def fmt(value: Tuple[Optional[float], Optional[float]], digits: int = 2) -> str:
    mean, std = value
    if mean is None:
        return '-'
    return f'{mean:.{digits}f}' + (f' ± {std:.{digits}f}' if std is not None else '')


def write_outputs(rows: List[dict], out_dir: str, shape: Tuple[int, int], runs: List[dict]) -> List[str]:
    os.makedirs(out_dir, exist_ok=True)
    columns = present_columns(rows)
    digits = {'params_M': 3, 'GFLOPs': 3, 'latency_ms': 1, 'train_time_s': 0, 'AbsRel': 3}
    header = ['config', 'seeds'] + columns
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in rows:
        cells = [row['config'], str(row['seeds'])] + [fmt(row[c], digits.get(c, 2)) for c in columns]
        lines.append('| ' + ' | '.join(cells) + ' |')
    notes = [
        '', 'Metrics: final evaluation of each run (mean ± sample std over seeds when several). IoUs and PCK in %.',
        f'GFLOPs and latency: inference path (auxiliary heads excluded), batch 1, input {shape[0]}x{shape[1]}, '
        f'CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads), median.',
        'params_M: inference-path parameters (millions). train_time_s: training loop wall time, validation '
        'excluded.', f'Runs: {", ".join(sorted(r["work_dir"] for r in runs))}'
    ]
    md_path = osp.join(out_dir, 'ablation.md')
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines + notes) + '\n')
    csv_path = osp.join(out_dir, 'ablation.csv')
    with open(csv_path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['config', 'seeds'] + [part for c in columns for part in (c, f'{c}_std')])
        for row in rows:
            writer.writerow([row['config'], row['seeds']] + [
                '' if v is None else f'{v:.6g}' for c in columns for v in row[c]])
    png_path = osp.join(out_dir, 'ablation.png')
    plot(rows, [c for c in columns if c in METRIC_COLUMNS and c not in ('AbsRel', )], png_path)
    return ['\n'.join(lines), md_path, csv_path, png_path]


def plot(rows: List[dict], metrics: List[str], path: str) -> None:
    """Grouped bars: one group per metric, one bar per config (error bars = std over seeds)."""
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
        ax.bar(x + (i - (len(rows) - 1) / 2) * width, means, width, label=row['config'],
               color=colours[i % len(colours)],
               yerr=None if all(np.isnan(errors)) else np.nan_to_num(errors), capsize=2)
    ax.set_xticks(x)
    ax.set_xticklabels(metrics, rotation=30, ha='right')
    ax.set_ylabel('%')
    ax.set_ylim(0, 100)
    ax.set_title('Auxiliary-task ablation' + (' (mean ± std over seeds)' if any(r['seeds'] > 1 for r in rows) else ''))
    ax.legend(fontsize=8, ncol=2, loc='upper left')
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+', help='work dirs of finished runs (several seeds of one config '
                        'are averaged)')
    parser.add_argument('--out', required=True, help='output folder for ablation.{md,csv,png}')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 384), metavar=('H', 'W'),
                        help='input shape for GFLOPs and latency (default: 512 384)')
    parser.add_argument('--repeat', type=int, default=10, help='timed forward passes per config (default: 10)')
    parser.add_argument('--warmup', type=int, default=2, help='untimed forward passes first (default: 2)')
    parser.add_argument('--no-cost', action='store_true', help='skip GFLOPs and latency')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    work_dirs = [d for d in args.work_dirs if osp.isdir(d) and osp.isfile(osp.join(d, SUMMARY_FILE))]
    skipped = sorted(set(args.work_dirs) - set(work_dirs))
    if skipped:
        print(f'skipping (no {SUMMARY_FILE}): {", ".join(skipped)}', file=sys.stderr)
    if not work_dirs:
        print('error: no finished runs among the given work dirs', file=sys.stderr)
        return 1
    try:
        runs = [load_run(d) for d in work_dirs]
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    costs = {}
    if not args.no_cost:
        configs = OrderedDict((r['name'], r['config']) for r in runs)
        for i, (name, config) in enumerate(configs.items(), 1):
            print(f'[{i}/{len(configs)}] measuring {name} at {args.shape[0]}x{args.shape[1]}', flush=True)
            costs[name] = inference_cost(config, tuple(args.shape), args.repeat, args.warmup)
    rows = build_rows(runs, costs)
    table, *paths = write_outputs(rows, args.out, tuple(args.shape), runs)
    print(table)
    print('Written: ' + ', '.join(paths))
    return 0


if __name__ == '__main__':
    sys.exit(main())
