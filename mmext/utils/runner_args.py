# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The command line every runner tool shares (``--work-dir``, ``--cfg-options``, ``--launcher``, ...) and the
config it loads.

The package does not know where a repository keeps its configs: a tool that wants a mistyped config name
answered with the closest existing ones passes its config root and glob patterns to :func:`load_cfg`.
"""

import argparse
import os
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.config import Config, DictAction

from .config_errors import ConfigCheckError

__all__ = ['CfgOptionsAction', 'add_runner_args', 'default_work_dir', 'load_cfg', 'missing_config_message']


def default_work_dir(config_path: str) -> str:
    return osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` that explains a ``KEY VALUE`` pair written without ``=``."""

    def __call__(self, parser, namespace, values, option_string=None):
        for i, item in enumerate(values):
            if '=' not in item:
                following = values[i + 1] if i + 1 < len(values) else None
                hint = f' -- did you mean {item}={following}?' if following and '=' not in following else ''
                parser.error(f'{option_string} takes KEY=VALUE pairs; {item!r} has no "="{hint}')
        super().__call__(parser, namespace, values, option_string)


def add_runner_args(parser: argparse.ArgumentParser, loader: str) -> None:
    """--work-dir, --cfg-options and --launcher, as every OpenMMLab tool has them; --threads and --verbose."""
    parser.add_argument('--work-dir', help='where logs (and checkpoints) go (default: work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help=f'override config keys, e.g. {loader}.dataset.data_root=DIR',
    )
    parser.add_argument(
        '--threads',
        type=int,
        help='CPU threads of PyTorch (default: OMP_NUM_THREADS, else one per core). On a machine '
        'another job keeps busy, 1 is much faster than fighting over the cores',
    )
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='also print the environment, the full config and the hook order on the console '
        '(they are always in the log file of the work dir)',
    )
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (the dist_*.sh scripts use pytorch)',
    )
    parser.add_argument(
        '--cpu',
        action='store_true',
        help='run on the CPU even where NVIDIA GPUs are visible but unusable (otherwise an error '
        'says why torch cannot use them)',
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=argparse.SUPPRESS)


def load_cfg(
    args: argparse.Namespace, config_root: Optional[str] = None, config_patterns: Sequence[str] = ()
) -> Config:
    """The config of ``args.config`` with ``--cfg-options``, ``--launcher`` and the work dir applied; sets
    ``--threads``.

    Args:
        args: the parsed arguments of :func:`add_runner_args` and ``config``.
        config_root, config_patterns: where configs are looked for when ``args.config`` does not exist (glob
            patterns relative to ``config_root``; see :func:`missing_config_message`).

    Raises:
        ConfigCheckError: the config file does not exist (with the closest existing config names).
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if not osp.isfile(args.config):
        raise ConfigCheckError(missing_config_message(args.config, config_root, config_patterns))
    if getattr(args, 'threads', None):
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if getattr(args, 'cpu', False):
        cfg.allow_cpu = True  # train on the CPU even where GPUs are visible (check_cuda_usable)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    return cfg


def missing_config_message(path: str, config_root: Optional[str] = None, config_patterns: Sequence[str] = ()) -> str:
    """'config X does not exist' with the closest of the configs that ``config_patterns`` (recursive glob
    patterns such as ``'configs/**/*.py'``, relative to ``config_root``) find, ``_base_`` pieces left out;
    without them, where the patterns look."""
    import difflib
    import glob

    configs = (
        [
            osp.relpath(p, config_root)
            for pattern in config_patterns
            for p in glob.glob(osp.join(config_root, pattern), recursive=True)
            if '_base_' not in p
        ]
        if config_root
        else []
    )
    close = difflib.get_close_matches(osp.normpath(path), configs, n=3, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(osp.basename(path), [osp.basename(c) for c in configs], n=3, cutoff=0.5)
        close = [c for c in configs if osp.basename(c) in close]
    if close:
        hint = '; did you mean ' + ' or '.join(close) + '?'
    elif config_root and config_patterns:
        hint = '; the configs are under ' + ' and '.join(pattern.split('**')[0] for pattern in config_patterns)
    else:
        hint = ''
    return f'config file {path} does not exist{hint}'
