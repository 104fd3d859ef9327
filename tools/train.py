#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
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
from contextlib import nullcontext, redirect_stdout

from torch.distributed.elastic.multiprocessing.errors import record

import mmext  # noqa: F401  (registers mmext's modules; must precede mmseg.models)
from mmext.engine.hooks import PreemptionCheckpointHook
from mmext.utils.config_errors import ConfigCheckError, explained_build_errors
from mmext.utils.console import QuietConsole, describe_run
from mmext.utils.distributed import reported_rank_failure, shutdown_process_group
from mmext.utils.hook_settings import set_nonfinite_policy
from mmext.utils.runner_args import add_runner_args, load_cfg
from mmext.utils.runner_builder import build_runner

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Where a mistyped config path is looked up (the closest existing configs are suggested).
CONFIG_PATTERNS = ('configs/**/*.py', 'projects/*/configs/**/*.py')
PREEMPTED_EXIT = 143  # 128 + SIGTERM: what a job killed by the signal would have returned


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='train config file')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume training: from the latest checkpoint in the work dir, or from the given checkpoint',
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: fp16 with loss scaling on CUDA; on the CPU bfloat16 autocast, if a '
        'few measured training steps show it is faster on this CPU (else fp32, saying so)',
    )
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate linearly from the config\'s auto_scale_lr.base_batch_size to the '
        'actual batch (processes x train_dataloader.batch_size), as mmseg does',
    )
    parser.add_argument(
        '--on-nonfinite',
        choices=['stop', 'skip'],
        help='NaN/inf loss: stop with an error naming the iteration and loss terms (the default of every run) '
        'or skip that optimizer step and count it',
    )
    add_runner_args(parser, 'train_dataloader')
    return parser.parse_args(argv)


def configure_amp(cfg, cuda_available: bool, measure=None) -> str:
    """--amp: mmengine's AmpOptimWrapper (fp16 autocast, dynamic loss scale) on CUDA. On the CPU, bfloat16
    autocast (CPUAutocastOptimWrapper) only where ``measure(cfg)`` -- (fp32, bf16) seconds per training step,
    by default measured on the config's own model and data -- shows it at least 5 % faster. Returns what was
    decided, for the console."""
    if cuda_available:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        return '--amp: fp16 autocast with dynamic loss scaling (CUDA)'
    if cfg.optim_wrapper.get('type', 'OptimWrapper') not in ('OptimWrapper', 'mmengine.OptimWrapper'):
        return f'--amp: kept {cfg.optim_wrapper.type} (fp32); bf16 autocast needs the plain OptimWrapper'
    if measure is None:
        from mmext.utils.train_benchmark import cpu_bf16_speedup

        def measure(config):
            return cpu_bf16_speedup(config, config.train_dataloader.batch_size)

    fp32, bf16 = measure(cfg)
    if bf16 <= 0.95 * fp32:
        cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
        return f'--amp: bfloat16 autocast on the CPU ({1000 * bf16:.0f} vs {1000 * fp32:.0f} ms per step in fp32)'
    return (
        f'--amp: training in fp32: bfloat16 autocast is not faster on this CPU for this model '
        f'({1000 * bf16:.0f} vs {1000 * fp32:.0f} ms per step)'
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    console = nullcontext() if args.verbose else redirect_stdout(QuietConsole(sys.stdout))
    with console:
        return train(args)


def train(args) -> int:
    try:
        cfg = load_cfg(args, REPO, CONFIG_PATTERNS)
    except ConfigCheckError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if args.on_nonfinite:
        set_nonfinite_policy(cfg, args.on_nonfinite)
    if args.auto_scale_lr:
        if not (cfg.get('auto_scale_lr') or {}).get('base_batch_size'):
            print(
                f'error: --auto-scale-lr needs auto_scale_lr = dict(base_batch_size=N) in {args.config}: the batch '
                'its learning rate was set for',
                file=sys.stderr,
            )
            return 2
        cfg.auto_scale_lr.enable = True
    if args.amp:
        import torch

        print(configure_amp(cfg, torch.cuda.is_available()), flush=True)
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
    try:
        runner = build_runner(cfg)
        if runner.rank == 0:
            print(describe_run(runner), flush=True)
        # The parameter schedulers are built by runner.train(): explain their config errors too.
        with reported_rank_failure(runner), explained_build_errors(cfg):
            runner.train()
    except ConfigCheckError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    shutdown_process_group()
    stopped_at = next((h.stopped_at for h in runner.hooks if isinstance(h, PreemptionCheckpointHook)), None)
    if runner.rank == 0:
        last = osp.join(cfg.work_dir, 'last_checkpoint')
        checkpoint = open(last).read().strip() if osp.isfile(last) else '(none saved)'
        if stopped_at is not None:
            print(
                f'Training stopped by a signal after iteration {stopped_at}; checkpoint: {checkpoint}. Continue '
                f'with the same command and --resume.'
            )
        else:
            print(
                f'Training finished. Logs and checkpoints: {osp.abspath(cfg.work_dir)}; last checkpoint: {checkpoint}'
            )
    return PREEMPTED_EXIT if stopped_at is not None else 0


if __name__ == '__main__':
    # record: under torchrun a failing rank's traceback goes into the launcher's error summary. It turns
    # SystemExit(0) (--help) into a None return value, hence the `or 0`.
    sys.exit(record(main)() or 0)
