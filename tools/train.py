#!/usr/bin/env python
"""Train a segmentor with mmengine's Runner (mmsegmentation-style CLI).

Examples:
    python tools/train.py configs/topformer_pose_aux.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --cfg-options train_dataloader.batch_size=4
    python tools/train.py CONFIG --resume                 # continue from the latest checkpoint of work-dir
    python tools/train.py CONFIG --on-nonfinite skip      # skip optimizer steps whose loss is NaN/inf
    bash tools/dist_train.sh CONFIG 8                     # 8 GPUs (or 8 CPU processes with gloo)
"""
import argparse
import os.path as osp
import sys
from typing import Optional

from torch.distributed.elastic.multiprocessing.errors import record

import mmext  # noqa: F401  (registers mmext's modules; must precede mmseg.models)
from mmext.utils.config_errors import explained_build_errors
from mmext.utils.runtime import (ConfigCheckError, add_runner_args, build_runner, load_cfg, reported_rank_failure,
                                 set_nonfinite_policy, shutdown_process_group)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='train config file')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume training: from the latest checkpoint in the work dir, or from the given checkpoint')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training (CUDA only)')
    parser.add_argument(
        '--on-nonfinite',
        choices=['stop', 'skip'],
        help='NaN/inf loss: stop with an error naming the iteration and loss terms (the default of every run) '
        'or skip that optimizer step and count it')
    add_runner_args(parser, 'train_dataloader')
    return parser.parse_args(argv)


def configure_amp(cfg, cuda_available: bool) -> Optional[str]:
    """--amp: mmengine's AmpOptimWrapper (fp16 autocast, dynamic loss scale) on CUDA; else a warning (fp32)."""
    if not cuda_available:
        return 'warning: --amp needs a CUDA device; none found, training in fp32'
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = load_cfg(args)
    if args.on_nonfinite:
        set_nonfinite_policy(cfg, args.on_nonfinite)
    if args.amp:
        import torch
        warning = configure_amp(cfg, torch.cuda.is_available())
        if warning:
            print(warning, file=sys.stderr)
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
    try:
        runner = build_runner(cfg)
        # The parameter schedulers are built by runner.train(): explain their config errors too.
        with reported_rank_failure(runner), explained_build_errors(cfg):
            runner.train()
    except ConfigCheckError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    shutdown_process_group()
    if runner.rank == 0:
        last = osp.join(cfg.work_dir, 'last_checkpoint')
        checkpoint = open(last).read().strip() if osp.isfile(last) else '(none saved)'
        print(f'Training finished. Logs and checkpoints: {osp.abspath(cfg.work_dir)}; last checkpoint: '
              f'{checkpoint}')
    return 0


if __name__ == '__main__':
    # record: under torchrun a failing rank's traceback goes into the launcher's error summary. It turns
    # SystemExit(0) (--help) into a None return value, hence the `or 0`.
    sys.exit(record(main)() or 0)
