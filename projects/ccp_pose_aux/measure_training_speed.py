#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Campaign throughput: the fast CPU training path against one plain run at a time, in one session.

plain: projects/ccp_pose_aux/configs/speed/seg_only_plain.py, seg_only without this project's CPU levers --
    NCHW tensors (no ChannelsLastHook), the original 550 x 832 photos decoded and resized by 2 loader
    workers -- one run at a time with 2 torch threads.
fast: projects/ccp_pose_aux/configs/clothing4/seg_only.py as the campaign runs it -- ChannelsLastHook, the
    pre-resized copy of the photos and 1 loader worker -- two runs at a time with 1 torch thread each.

Each path trains --iters iterations for each seed, back to back in this one session. The tool reports
seconds per iteration, the overhead of each run (start-up, validation), the projected runs per hour at the
campaign's schedule (the config's max_iters and validations), and whether the fast path's loss curves stay
inside the seed-to-seed spread of the plain path (mean loss per window of iterations). Results go to --out.

Example:
    python projects/ccp_pose_aux/measure_training_speed.py --iters 300 --seeds 0 1 2 3
"""

import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# mmext (and torch with it) is imported once the arguments are parsed (--help stays instant).

FAST_CONFIG = 'projects/ccp_pose_aux/configs/clothing4/seg_only.py'
PLAIN_CONFIG = 'projects/ccp_pose_aux/configs/speed/seg_only_plain.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--iters', type=int, default=300, help='iterations per measured run (default: 300)')
    parser.add_argument(
        '--seeds',
        type=int,
        nargs='+',
        default=[0, 1, 2, 3],
        help='seeds of each path; the fast path trains them two at a time',
    )
    parser.add_argument('--window', type=int, default=50, help='iterations per loss window (default: 50)')
    parser.add_argument('--work-dir', default='work_dirs/ccp_pose_aux_speed')
    parser.add_argument('--out', default=osp.join(REPO, 'projects/ccp_pose_aux/results_training_speed.json'))
    return parser.parse_args(argv)


def launch(args, path: str, seed: int, threads: int, config: str):
    work_dir = osp.join(args.work_dir, path, f'seed{seed}')
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), PYTHONUNBUFFERED='1')
    command = [
        sys.executable,
        'tools/train.py',
        config,
        '--work-dir',
        work_dir,
        '--cfg-options',
        f'randomness.seed={seed}',
        f'train_cfg.max_iters={args.iters}',
        f'train_cfg.val_interval={args.iters}',
        'default_hooks.logger.interval=10',
        f'default_hooks.checkpoint.interval={args.iters}',
    ]
    log = open(osp.join(args.work_dir, f'{path}_seed{seed}.log'), 'w')
    return work_dir, subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT), log


def run_group(args, path: str, seeds, threads: int, config: str) -> list:
    """Start the seeds' runs together, wait for all; one record per run."""
    from mmext.utils.run_records import learning_curves, run_summary

    started = time.perf_counter()
    runs = [launch(args, path, seed, threads, config) for seed in seeds]
    records = []
    for seed, (work_dir, process, log) in zip(seeds, runs):
        if process.wait():
            raise SystemExit(f'error: {path} seed {seed} failed; see {log.name}')
        log.close()
        summary = run_summary(work_dir)
        records.append(
            dict(
                seed=seed,
                wall_s=None,
                train_time_s=summary['train_time_s'],
                iterations=summary['iterations'],
                loss=learning_curves(work_dir)['loss'],
            )
        )
    wall = time.perf_counter() - started
    for record in records:
        record['wall_s'] = wall
    print(
        f'  {path} seeds {list(seeds)}: {wall:.0f} s wall, '
        + ', '.join(f'{r["train_time_s"] / r["iterations"]:.3f} s/it' for r in records),
        flush=True,
    )
    return records


def window_means(loss, window: int, iters: int) -> np.ndarray:
    points = np.array(loss)
    return np.array(
        [
            points[(points[:, 0] > start) & (points[:, 0] <= start + window), 1].mean()
            for start in range(0, iters, window)
        ]
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.utils.atomic_io import atomic_write
    from mmext.utils.machine import cpu_model
    from mmext.utils.run_records import provenance

    os.makedirs(args.work_dir, exist_ok=True)
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(REPO, FAST_CONFIG))
    max_iters, val_interval = cfg.train_cfg.max_iters, cfg.train_cfg.val_interval
    print(
        f'Measuring {args.iters} iterations per run of {PLAIN_CONFIG} and {FAST_CONFIG}, seeds {args.seeds}', flush=True
    )
    plain = [r for seed in args.seeds for r in run_group(args, 'plain', [seed], 2, PLAIN_CONFIG)]
    fast = [
        r for i in range(0, len(args.seeds), 2) for r in run_group(args, 'fast', args.seeds[i : i + 2], 1, FAST_CONFIG)
    ]

    def path_summary(records, parallel: int, threads: int) -> dict:
        per_iter = float(np.mean([r['train_time_s'] / r['iterations'] for r in records]))
        # Start-up and the one validation of a measured run: wall time not spent in training iterations.
        overhead = float(np.mean([r['wall_s'] - r['train_time_s'] for r in records]))
        val_runs = max_iters // val_interval
        campaign_run_s = max_iters * per_iter + overhead * val_runs
        return dict(
            s_per_iter=round(per_iter, 4),
            overhead_s=round(overhead, 1),
            parallel=parallel,
            threads=threads,
            projected_run_h=round(campaign_run_s / 3600, 3),
            runs_per_hour=round(parallel * 3600 / campaign_run_s, 3),
        )

    result = dict(plain=path_summary(plain, 1, 2), fast=path_summary(fast, 2, 1))
    result['speedup_runs_per_hour'] = round(result['fast']['runs_per_hour'] / result['plain']['runs_per_hour'], 3)
    plain_windows = np.stack([window_means(r['loss'], args.window, args.iters) for r in plain])
    fast_windows = np.stack([window_means(r['loss'], args.window, args.iters) for r in fast])
    low, high = plain_windows.min(0), plain_windows.max(0)
    result['loss_windows'] = dict(
        window=args.window,
        plain_min=low.round(4).tolist(),
        plain_max=high.round(4).tolist(),
        fast_mean=fast_windows.mean(0).round(4).tolist(),
        fast_seeds_inside_plain_spread=round(float(((fast_windows >= low) & (fast_windows <= high)).mean()), 3),
        fast_mean_inside_plain_spread=bool(((fast_windows.mean(0) >= low) & (fast_windows.mean(0) <= high)).all()),
    )
    result.update(
        configs=dict(plain=PLAIN_CONFIG, fast=FAST_CONFIG),
        iters=args.iters,
        seeds=args.seeds,
        campaign_max_iters=max_iters,
        campaign_validations=max_iters // val_interval,
        cpu=cpu_model(),
        cores=os.cpu_count(),
        runs=dict(plain=plain, fast=fast),
        # machine: CPU, versions (its threads: torch's default here; the runs' own are per path above)
        **provenance(argv, __file__, repo=REPO),
    )
    atomic_write(args.out, json.dumps(result, indent=1))
    print(
        f'plain: {result["plain"]["s_per_iter"]} s/it, {result["plain"]["runs_per_hour"]} runs/h; fast: '
        f'{result["fast"]["s_per_iter"]} s/it per run, 2 at a time, {result["fast"]["runs_per_hour"]} runs/h '
        f'-> x{result["speedup_runs_per_hour"]}. Fast loss windows inside the plain seeds\' spread: '
        f'{100 * result["loss_windows"]["fast_seeds_inside_plain_spread"]:.0f} %. Written to {args.out}'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
