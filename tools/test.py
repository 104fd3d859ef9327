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

import mmext  # noqa: F401  (registers mmext's modules; must precede mmseg.models)
from mmext.utils.pretrained import CheckpointMismatchError, load_checkpoint_strictly
from mmext.utils.runtime import ConfigCheckError, add_runner_args, build_runner, load_cfg


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='also write the metrics to this JSON file')
    parser.add_argument('--show-dir', help='save prediction overlays (image | ground truth, prediction) here')
    add_runner_args(parser, 'test_dataloader')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = load_cfg(args)
    cfg.load_from = None  # loaded strictly below, once the model is built
    cfg.resume = False
    if args.show_dir:
        cfg.default_hooks.visualization.update(draw=True, interval=1)
        cfg.visualizer.save_dir = args.show_dir
    try:
        runner = build_runner(cfg, stage='test')
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        load_checkpoint_strictly(model, args.checkpoint, args.config)
    except (ConfigCheckError, CheckpointMismatchError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
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
