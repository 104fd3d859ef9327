#!/usr/bin/env python
"""Train a segmentor with mmengine's Runner (mmsegmentation-style CLI).

Examples:
    python tools/train.py configs/topformer_pose_aux.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --cfg-options train_dataloader.batch_size=4
    python tools/train.py CONFIG --resume                 # continue from the latest checkpoint of work-dir
    bash tools/dist_train.sh CONFIG 8                     # 8 GPUs (or 8 CPU processes with gloo)
"""
import argparse
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
    parser.add_argument('config', help='train config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go (default: work_dirs/<config name>)')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume training: from the latest checkpoint in the work dir, or from the given checkpoint')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training (CUDA only)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. train_dataloader.dataset.data_root=DIR')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher (tools/dist_train.sh uses pytorch)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args: argparse.Namespace) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    if args.amp:
        import torch
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            print('warning: --amp needs a CUDA device; none found, training in fp32', file=sys.stderr)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = build_cfg(args)
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
    runner.train()
    if runner.rank == 0:
        last = osp.join(cfg.work_dir, 'last_checkpoint')
        checkpoint = open(last).read().strip() if osp.isfile(last) else '(none saved)'
        print(f'Training finished. Logs and checkpoints: {osp.abspath(cfg.work_dir)}; last checkpoint: '
              f'{checkpoint}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
