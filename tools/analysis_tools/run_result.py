#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Evaluate a finished training run and write its result file (one JSON per run).

Loads the run's last checkpoint strictly into CONFIG's model, runs the config's test loop (every test
evaluator), and writes to --out: the metrics, per-image intersection/union counts (for paired per-image
comparisons; needs PerImageIoUMetric among the evaluators), the validation and loss curves logged during
training, training time and iterations (RunSummaryHook), parameter counts, the config and its overrides,
and the code commit. tools/analysis_tools/ablation_table.py reads these files.

Example:
    python tools/analysis_tools/run_result.py projects/ccp_pose_aux/configs/clothing4/seg_only.py \\
        work_dirs/ccp_pose_aux/clothing4/seg_only/seed0 --cfg-options randomness.seed=0 \\
        --out projects/ccp_pose_aux/runs/clothing4/seg_only/seed0.json
"""

import argparse
import json
import os
import os.path as osp
import sys
import time

from mmengine.config import Config, DictAction

# torch and mmext are imported once the arguments are parsed (--help stays instant).

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='the config the run was trained with')
    parser.add_argument('work_dir', help='the run\'s work dir (checkpoints, logs, run_summary.json)')
    parser.add_argument('--out', required=True, help='result JSON to write')
    parser.add_argument('--checkpoint', help='checkpoint to evaluate (default: the work dir\'s last one)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='the overrides the run used')
    return parser.parse_args(argv)


def evaluate(cfg: Config, checkpoint: str) -> tuple:
    """(metrics, per-image counts or None, seconds) of the config's test loop on ``checkpoint``."""
    from mmext.utils.pretrained import load_checkpoint_strictly
    from mmext.utils.runner_builder import build_runner

    cfg.load_from = None
    cfg.resume = False
    runner = build_runner(cfg, stage='test')
    load_checkpoint_strictly(runner.model, checkpoint, cfg.filename)
    start = time.perf_counter()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    per_image = None
    for metric in runner.test_evaluator.metrics:
        if getattr(metric, 'per_image', None) is not None:
            per_image = dict(metric.per_image, classes=list(metric.dataset_meta['classes']))
    return {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}, per_image, seconds


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    import mmext  # noqa: F401
    from mmext.utils.atomic_io import atomic_write
    from mmext.utils.config_errors import ConfigCheckError
    from mmext.utils.machine import cpu_model
    from mmext.utils.pretrained import CheckpointMismatchError
    from mmext.utils.run_records import last_checkpoint, learning_curves, provenance, run_summary

    checkpoint = args.checkpoint or last_checkpoint(args.work_dir)
    if checkpoint is None:
        print(
            f'error: no checkpoint in {args.work_dir} (last_checkpoint missing): has the run finished?', file=sys.stderr
        )
        return 1
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = 'none'
    cfg.work_dir = osp.join(args.work_dir, 'result_eval')
    try:
        metrics, per_image, eval_seconds = evaluate(cfg, checkpoint)
    except (ConfigCheckError, CheckpointMismatchError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    summary = run_summary(args.work_dir)
    record = provenance(argv, __file__, repo=REPO)
    result = dict(
        config=osp.relpath(osp.abspath(args.config), REPO),
        cfg_options=args.cfg_options or {},
        seed=cfg.get('randomness', {}).get('seed'),
        checkpoint=osp.relpath(osp.abspath(checkpoint), REPO),
        iterations=summary.get('iterations'),
        train_time_s=summary.get('train_time_s'),
        params_inference=summary.get('params_inference'),
        params_aux_heads=summary.get('params_aux_heads'),
        metrics=metrics,
        learning_curve=learning_curves(args.work_dir),
        per_image=per_image,
        evaluation=dict(
            seconds=round(eval_seconds, 1), threads=torch.get_num_threads(), cpu=cpu_model(), torch=torch.__version__
        ),
        machine=record['machine'],  # the machine of the evaluation (CPU, threads, versions)
        code=record['code'],
        command=record['command'],
        written=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
    )
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    atomic_write(args.out, json.dumps(result, indent=1))
    shown = ', '.join(f'{k} {v:.2f}' for k, v in metrics.items() if k in ('mIoU', 'per_image_mIoU', 'PCK@0.1'))
    print(f'{shown}; result written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
