#!/usr/bin/env python
"""Compare training runs: one row per config, mean and spread over the seeds given.

Each RUN is a work dir (its ``run_summary.json``, written by ``RunSummaryHook``, and the config mmengine
saved there), a result file written by ``tools/analysis_tools/run_result.py``, or a folder of such files
(``runs/<label set>/<variant>/seed*.json``: the folder name is the row). Measures inference GFLOPs and CPU
latency of each config's segmentation path (auxiliary heads excluded: they do not run at inference) at one
input shape, all configs timed in the same interleaved rounds; writes ablation.md, ablation.csv and
ablation.png (grouped bar chart) to --out.

With --baseline NAME, each row's paired difference to that row is added (ablation_diff.md / .png): runs
are paired by seed; the 95 % interval over seeds is a t interval of the per-seed differences, and the
per-image bootstrap interval resamples the evaluated images (the seeds' mean dataset-level mIoU from the
per-image counts of run_result.py, --bootstrap resamples).

Examples:
    python tools/analysis_tools/ablation_table.py work_dirs/ablation_demo/* --out work_dirs/ablation_demo
    python tools/analysis_tools/ablation_table.py projects/ccp_pose_aux/runs/clothing4/* --baseline seg_only \
        --shape 320 212 --out projects/ccp_pose_aux/results
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

import mmext  # noqa: F401
from mmext.engine.hooks import SUMMARY_FILE
from mmext.utils.machine import cpu_model

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# Metric columns in display order (those present in no run are dropped).
METRIC_COLUMNS = ['mIoU', 'per_image_mIoU', 'gIoU.upper', 'gIoU.lower', 'gIoU.whole', 'gIoU.clothing', 'gIoU.person',
                  'gIoU.background', 'PCK@0.05', 'PCK@0.05_mean_pose', 'PCK@0.05_mean_pose_oracle', 'PCK@0.1',
                  'PCK@0.1_mean_pose', 'PCK@0.1_mean_pose_oracle', 'AbsRel', 'delta1']
COST_COLUMNS = ['params_M', 'GFLOPs', 'latency_ms', 'train_time_s']



def load_runs(source: str) -> List[dict]:
    """The runs of one command-line argument: a work dir, a result file, or a folder of result files."""
    if source.endswith('.json'):
        return [load_result_file(source, osp.basename(osp.dirname(osp.abspath(source))))]
    if osp.isfile(osp.join(source, SUMMARY_FILE)):
        return [load_run(source)]
    files = sorted(glob.glob(osp.join(source, 'seed*.json')))
    if not files:
        raise FileNotFoundError(f'{source}: neither a work dir with {SUMMARY_FILE} nor a folder of seed*.json '
                                'result files')
    return [load_result_file(path, osp.basename(osp.normpath(source))) for path in files]


def load_result_file(path: str, name: str) -> dict:
    with open(path) as f:
        result = json.load(f)
    if not result.get('metrics'):
        raise ValueError(f'{path} holds no metrics (written by tools/analysis_tools/run_result.py?)')
    config = osp.join(REPO, result['config'])
    return dict(work_dir=path, name=name, seed=result.get('seed'), config=config, metrics=result['metrics'],
                train_time_s=result.get('train_time_s'), params=result.get('params_inference'),
                per_image=result.get('per_image'), curve=(result.get('learning_curve') or {}).get('val'))


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
                params=summary.get('params_inference'), per_image=None)


def inference_costs(configs: Dict[str, str], shape: Tuple[int, int], repeat: int,
                    warmup: int) -> Dict[str, Dict[str, float]]:
    """GFLOPs and median CPU latency (batch 1) of each config's ``mode='tensor'`` path, by row name.

    All models are timed in the same interleaved rounds, so their latencies are comparable within the table.
    """
    from mmengine.config import Config

    from mmext.utils.benchmarking import (TensorMode, build_inference_segmentor, count_gflops, input_channels,
                                          time_side_by_side)
    models, inputs, costs = {}, {}, {}
    for i, (name, config_path) in enumerate(configs.items(), 1):
        print(f'[{i}/{len(configs)}] building {name}', flush=True)
        cfg = Config.fromfile(config_path)
        models[name] = TensorMode(build_inference_segmentor(cfg))
        inputs[name] = torch.randn(1, input_channels(cfg), *shape)
        costs[name] = dict(GFLOPs=count_gflops(models[name], inputs[name]))
    print(f'timing {len(models)} models at {shape[0]}x{shape[1]} in {repeat} interleaved rounds', flush=True)
    timings = time_side_by_side({name: (lambda m=model, x=inputs[name]: m(x)) for name, model in models.items()},
                                repeat, warmup)
    for name in models:
        costs[name]['latency_ms'] = timings[name]['median_ms']
    return costs


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


DIFF_METRICS = ['mIoU', 'gIoU.upper', 'gIoU.lower', 'gIoU.whole', 'per_image_mIoU', 'PCK@0.1']
# Two-sided 95 % Student t quantiles by degrees of freedom (scipy.stats.t.ppf(0.975, df)).
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


def dataset_miou(intersection: np.ndarray, union: np.ndarray) -> np.ndarray:
    """mIoU (percent) from per-image counts (..., images, classes): sums over images, mean over classes."""
    inter, uni = intersection.sum(-2), union.sum(-2)
    return 100 * np.divide(inter, uni, out=np.full(inter.shape, np.nan), where=uni > 0).mean(-1)


def paired_differences(runs: List[dict], baseline: str, bootstrap: int, seed: int = 0) -> List[dict]:
    """Per row: mean paired difference to ``baseline`` per metric, with a 95 % t interval over seeds and
    (for mIoU) a per-image bootstrap interval."""
    by_name: Dict[str, Dict[int, dict]] = OrderedDict()
    for run in runs:
        by_name.setdefault(run['name'], {})[run['seed']] = run
    if baseline not in by_name:
        raise ValueError(f'--baseline {baseline!r} is not among the rows {list(by_name)}')
    base = by_name[baseline]
    rng = np.random.default_rng(seed)
    rows = []
    for name, group in by_name.items():
        if name == baseline:
            continue
        seeds = sorted(set(group) & set(base))
        row = OrderedDict(config=name, paired_seeds=len(seeds))
        for metric in DIFF_METRICS:
            diffs = [group[s]['metrics'][metric] - base[s]['metrics'][metric] for s in seeds
                     if metric in group[s]['metrics'] and metric in base[s]['metrics']]
            if not diffs:
                continue
            mean = float(np.mean(diffs))
            half = (T975.get(len(diffs) - 1, 1.96) * float(np.std(diffs, ddof=1)) / np.sqrt(len(diffs))
                    if len(diffs) > 1 else None)
            row[metric] = dict(diff=mean, ci_seeds=None if half is None else [mean - half, mean + half],
                               per_seed=diffs)
        if seeds and all(group[s].get('per_image') and base[s].get('per_image') for s in seeds):
            row['mIoU']['ci_images'] = _bootstrap_interval([group[s]['per_image'] for s in seeds],
                                                           [base[s]['per_image'] for s in seeds], bootstrap, rng)
        rows.append(row)
    return rows


def _bootstrap_interval(ours: List[dict], theirs: List[dict], resamples: int, rng) -> List[float]:
    images = ours[0]['images']
    for record in ours + theirs:
        if record['images'] != images:
            raise ValueError('runs were evaluated on different images: no per-image pairing possible')
    counts = {k: np.array([[r[k] for r in side] for side in (ours, theirs)], np.float64)
              for k in ('intersection', 'union')}  # (2 sides, seeds, images, classes)
    draws = rng.integers(0, len(images), size=(resamples, len(images)))
    diffs = np.empty(resamples)
    for i, pick in enumerate(draws):
        miou = dataset_miou(counts['intersection'][:, :, pick], counts['union'][:, :, pick]).mean(-1)
        diffs[i] = miou[0] - miou[1]
    return [float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))]


def write_differences(rows: List[dict], baseline: str, out_dir: str, resamples: int) -> List[str]:
    def interval(ci):
        return '-' if ci is None else f'[{ci[0]:+.2f}, {ci[1]:+.2f}]'

    lines = ['| config | seeds | ' + ' | '.join(f'Δ {m}' for m in DIFF_METRICS) + ' | mIoU 95 % CI (seeds) | '
             'mIoU 95 % CI (images) |', '|' + '---|' * (len(DIFF_METRICS) + 4)]
    for row in rows:
        cells = [f'{row[m]["diff"]:+.2f}' if m in row else '-' for m in DIFF_METRICS]
        miou = row.get('mIoU', {})
        lines.append(f'| {row["config"]} | {row["paired_seeds"]} | ' + ' | '.join(cells)
                     + f' | {interval(miou.get("ci_seeds"))} | {interval(miou.get("ci_images"))} |')
    notes = ['', f'Paired differences to {baseline} (same seed), in points. CI (seeds): 95 % t interval of the '
             f'per-seed differences. CI (images): 2.5-97.5 percentiles of the difference of the seeds\' mean '
             f'dataset-level mIoU over {resamples} resamples of the evaluated images.']
    md_path = osp.join(out_dir, 'ablation_diff.md')
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines + notes) + '\n')
    json_path = osp.join(out_dir, 'ablation_diff.json')
    with open(json_path, 'w') as f:
        json.dump(dict(baseline=baseline, bootstrap_resamples=resamples, rows=rows), f, indent=1)
    png_path = osp.join(out_dir, 'ablation_diff.png')
    plot_differences(rows, baseline, png_path)
    return ['\n'.join(lines), md_path, json_path, png_path]


def plot_differences(rows: List[dict], baseline: str, path: str) -> None:
    """mIoU difference to the baseline per row: seed interval (thick) and image-bootstrap interval (thin)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    rows = [r for r in rows if 'mIoU' in r]
    fig, ax = plt.subplots(figsize=(7.0, 0.6 * len(rows) + 1.6))
    for y, row in enumerate(rows):
        miou = row['mIoU']
        if miou.get('ci_images'):
            ax.plot(miou['ci_images'], [y, y], color='0.6', linewidth=1.5, label='95 % CI, images' if y == 0 else None)
        if miou.get('ci_seeds'):
            ax.plot(miou['ci_seeds'], [y, y], color='tab:blue', linewidth=5, alpha=0.5,
                    label='95 % CI, seeds' if y == 0 else None)
        ax.plot(miou['per_seed'], [y] * len(miou['per_seed']), 'o', color='tab:blue', markersize=3)
        ax.plot([miou['diff']], [y], 'D', color='black')
    ax.axvline(0, color='black', linewidth=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r['config'] for r in rows])
    ax.set_xlabel(f'mIoU difference to {baseline} (points; dots: seeds, diamond: mean)')
    # Below the axes: inside, it would hide the interval of whichever row sits in its corner.
    ax.legend(fontsize=8, loc='upper center', bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    ax.grid(axis='x', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches='tight')
    plt.close(fig)


def learning_curves(runs: List[dict], out_dir: str, tail: float = 0.2) -> List[str]:
    """Validation mIoU against the iteration per row (mean over seeds, seeds as thin lines) -> learning_curves.png;
    and per row what the last ``tail`` of the schedule added (mean over seeds) -> learning_curves.json."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    by_name: Dict[str, List[dict]] = OrderedDict()
    for run in runs:
        if run.get('curve'):
            by_name.setdefault(run['name'], []).append(run)
    if not by_name:
        return []
    summary = OrderedDict()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colours = plt.get_cmap('tab10').colors
    for i, (name, group) in enumerate(by_name.items()):
        curves = [dict(run['curve']) for run in group]  # iteration -> val mIoU, per seed
        steps = sorted({step for curve in curves for step in curve})
        values = np.array([[curve.get(step, np.nan) for step in steps] for curve in curves])
        for row in values:
            ax.plot(steps, row, color=colours[i % 10], alpha=0.25, linewidth=0.8)
        ax.plot(steps, np.nanmean(values, 0), color=colours[i % 10], label=f'{name} ({len(group)} seeds)')
        last = steps[-1]
        start = min(steps, key=lambda s: abs(s - (1 - tail) * last))
        gains = [curve[last] - curve[start] for curve in curves if last in curve and start in curve]
        summary[name] = dict(final_mIoU=float(np.nanmean(values[:, -1])), tail_from=start, tail_to=last,
                             tail_gain_mean=float(np.mean(gains)), tail_gain_per_seed=gains)
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
        json.dump(dict(tail_fraction=tail, rows=summary), f, indent=1)
    return [png_path, json_path]


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
    cost_note = [f'GFLOPs and latency: inference path (auxiliary heads excluded), batch 1, input '
                 f'{shape[0]}x{shape[1]}, CPU ({cpu_model()}, '
                 f'{torch.get_num_threads()} threads), median of interleaved rounds.'
                 ] if 'latency_ms' in columns else []
    notes = [
        '', 'Metrics: final evaluation of each run (mean ± sample std over seeds when several). IoUs and PCK in %.',
        *cost_note,
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
    parser.add_argument('runs', nargs='+', help='work dirs of finished runs, result files, or folders of result '
                        'files (several seeds of one config are averaged)')
    parser.add_argument('--out', required=True, help='output folder for ablation.{md,csv,png}')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 384), metavar=('H', 'W'),
                        help='input shape for GFLOPs and latency (default: 512 384)')
    parser.add_argument('--repeat', type=int, default=10, help='timed forward passes per config (default: 10)')
    parser.add_argument('--warmup', type=int, default=2, help='untimed forward passes first (default: 2)')
    parser.add_argument('--no-cost', action='store_true', help='skip GFLOPs and latency')
    parser.add_argument('--baseline', help='row to pair every other row with (e.g. seg_only)')
    parser.add_argument('--bootstrap', type=int, default=2000, help='per-image bootstrap resamples (default: 2000)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
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
    costs = {}
    if not args.no_cost:
        configs = OrderedDict((r['name'], r['config']) for r in runs)
        costs = inference_costs(configs, tuple(args.shape), args.repeat, args.warmup)
    rows = build_rows(runs, costs)
    table, *paths = write_outputs(rows, args.out, tuple(args.shape), runs)
    paths += learning_curves(runs, args.out)
    print(table)
    if args.baseline:
        try:
            differences = paired_differences(runs, args.baseline, args.bootstrap)
        except ValueError as e:
            print(f'error: {e}', file=sys.stderr)
            return 1
        diff_table, *diff_paths = write_differences(differences, args.baseline, args.out, args.bootstrap)
        print(diff_table)
        paths += diff_paths
    print('Written: ' + ', '.join(paths))
    return 0


if __name__ == '__main__':
    sys.exit(main())
