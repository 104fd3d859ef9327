#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Evaluate a checkpoint on the test split of a config (mmsegmentation's CLI).

The checkpoint is loaded strictly: a config/checkpoint mismatch stops with what differs (e.g. the class
counts). --out DIR writes every prediction as a label map PNG (mmseg's layout, for offline tools such as
tools/analysis_tools/confusion_matrix.py); --metrics-out FILE writes the metrics as JSON; --tta tests the
segmentation with flip augmentation (the config's tta_pipeline, or its test pipeline with and without a
horizontal flip);
--show / --show-dir draw image | ground truth | prediction.

Examples:
    python tools/test.py configs/topformer_pose_aux.py work_dirs/topformer_pose_aux/iter_80000.pth
    python tools/test.py CONFIG CHECKPOINT --out work_dirs/preds --metrics-out metrics.json --show-dir vis/
    python tools/test.py CONFIG CHECKPOINT --tta
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""

import argparse
import copy
import json
import os
import os.path as osp
import sys
from contextlib import nullcontext, redirect_stdout

import mmext  # noqa: F401  (registers mmext's modules; must precede mmseg.models)
from mmext.datasets.transforms.geometry import RESIZE_TYPES
from mmext.utils.config_errors import ConfigCheckError
from mmext.utils.console import QuietConsole
from mmext.utils.pretrained import CheckpointMismatchError, load_checkpoint_strictly
from mmext.utils.runner_args import add_runner_args, load_cfg
from mmext.utils.runner_builder import build_runner

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Where a mistyped config path is looked up (the closest existing configs are suggested).
CONFIG_PATTERNS = ('configs/**/*.py', 'projects/*/configs/**/*.py')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='folder for the predictions (one label map PNG per test image)')
    parser.add_argument('--metrics-out', help='also write the metrics to this JSON file')
    parser.add_argument('--show', action='store_true', help='show image | ground truth | prediction in a window')
    parser.add_argument('--show-dir', help='save image | ground truth | prediction pictures here')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds each --show picture stays (default: 2)')
    parser.add_argument('--tta', action='store_true', help='test-time augmentation (flip)')
    add_runner_args(parser, 'test_dataloader')
    return parser.parse_args(argv)


def flip_tta_pipeline(test_pipeline: list) -> list:
    """The test pipeline with every photo tested as is and flipped (mmcv's TestTimeAug)."""
    steps = copy.deepcopy(list(test_pipeline))
    load, rest = steps[0], steps[1:]
    geometric = [s for s in rest if s['type'] in (*RESIZE_TYPES, 'RandomResize')]
    others = [s for s in rest if s not in geometric]
    flips = [
        dict(type='RandomFlip', prob=0.0, direction='horizontal'),
        dict(type='RandomFlip', prob=1.0, direction='horizontal'),
    ]
    transforms = ([geometric] if geometric else []) + [flips] + [[s] for s in others]
    return [load, dict(type='TestTimeAug', transforms=transforms)]


def configure(cfg, args) -> None:
    """mmseg's test.py settings: TTA, visualisation, prediction output."""
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.get('tta_pipeline') or flip_tta_pipeline(
            cfg.test_dataloader.dataset.pipeline
        )
        if cfg.model.get('test_cfg', {}).get('aux_predict'):
            # mmseg's SegTTAModel merges the segmentation of the views only; auxiliary predictions are dropped.
            print('--tta: segmentation only (auxiliary predictions are not merged across flipped views)')
            cfg.model.test_cfg.aux_predict = ()
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.show or args.show_dir:
        cfg.default_hooks.visualization.update(draw=True, interval=1, show=args.show, wait_time=args.wait_time)
        if args.show_dir:
            cfg.visualizer.save_dir = args.show_dir
    if args.out:
        evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
        cfg.test_evaluator = list(evaluators) + [dict(type='SavePredictions', output_dir=args.out)]


def main(argv=None) -> int:
    args = parse_args(argv)
    with nullcontext() if args.verbose else redirect_stdout(QuietConsole(sys.stdout)):
        return test(args)


def test(args) -> int:
    try:
        cfg = load_cfg(args, REPO, CONFIG_PATTERNS)
        cfg.load_from = None  # loaded strictly below, once the model is built
        cfg.resume = False
        configure(cfg, args)
        runner = build_runner(cfg, stage='test')
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        load_checkpoint_strictly(getattr(model, 'module', model), args.checkpoint, args.config)
    except (ConfigCheckError, CheckpointMismatchError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    metrics = runner.test()
    if runner.rank == 0:
        summary = ', '.join(f'{k}: {v:.2f}' for k, v in metrics.items() if isinstance(v, (int, float)))
        print(f'Test metrics: {summary}')
        if args.metrics_out:
            os.makedirs(osp.dirname(osp.abspath(args.metrics_out)), exist_ok=True)
            with open(args.metrics_out, 'w') as f:
                json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
            print(f'Metrics written to {osp.abspath(args.metrics_out)}')
        if args.out:
            print(f'Predictions (label maps): {osp.abspath(args.out)}')
        print(f'Logs: {osp.abspath(runner.log_dir)}')
        if args.show_dir:
            print(f'Prediction pictures: {osp.abspath(args.show_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
