#!/usr/bin/env python
"""Evaluate a checkpoint on the test split of a config (mmsegmentation-style CLI).

Examples:
    python tools/test.py configs/topformer_pose_aux.py work_dirs/topformer_pose_aux/iter_80000.pth
    python tools/test.py CONFIG CHECKPOINT --out metrics.json --show-dir vis/
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmext  # noqa: F401  (registers mmext's modules; must precede mmseg.models)
from mmext.utils.runtime import (ConfigCheckError, adapt_cfg_to_device, check_cfg_files, default_work_dir,
                                 init_cpu_process_group)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs go (default: work_dirs/<config name>)')
    parser.add_argument('--out', help='also write the metrics to this JSON file')
    parser.add_argument('--show-dir', help='save prediction overlays (image | ground truth, prediction) here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. test_dataloader.dataset.data_root=DIR')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher (tools/dist_test.sh uses pytorch)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show_dir:
        hook = cfg.default_hooks.visualization
        hook.update(draw=True, interval=1)
        cfg.visualizer.save_dir = args.show_dir
    notes = adapt_cfg_to_device(cfg, args.launcher)
    try:
        check_cfg_files(cfg)
    except ConfigCheckError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    init_cpu_process_group(args.launcher)
    runner = Runner.from_cfg(cfg)
    for note in notes:
        runner.logger.info(note)
    metrics = runner.test()
    if runner.rank == 0:
        summary = ', '.join(f'{k}: {v:.2f}' for k, v in metrics.items() if isinstance(v, (int, float)))
        print(f'Test metrics: {summary}')
        if args.out:
            os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
            with open(args.out, 'w') as f:
                json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
            print(f'Metrics written to {osp.abspath(args.out)}')
        print(f'Logs: {osp.abspath(runner.log_dir)}')
        if args.show_dir:
            print(f'Prediction overlays: {osp.abspath(args.show_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
