# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Train a study's committed CPU-budget config and read its run summary back.

Used by the studies' reproduction scripts. Each variant of a table is a config file that inherits the variant's
full config and the study's budget piece, so every variant trains on the same data, crop, batch, iterations,
learning-rate schedule and seed. The scripts only point it at their data root and seed on the command line, and
name the training program (the repository's ``tools/train.py``): this module does not know where it lives.
"""

import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional, Sequence

from mmengine.config import Config


def run_options(data_root: str, seed: int) -> List[str]:
    """``--cfg-options`` that point every data loader of a CPU-budget config at ``data_root`` and set the seed."""
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    return [f'{loader}.dataset.data_root={data_root}' for loader in loaders] + [f'randomness.seed={seed}']


def finished_summary(run_dir: str) -> Optional[dict]:
    """The run summary of a finished run in ``run_dir`` (final validation done), else None."""
    path = osp.join(run_dir, 'run_summary.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        summary = json.load(f)
    return summary if 'val_metrics' in summary else None


def train_run(train_script: str, config: str, run_dir: str, options: Sequence[str] = ()) -> dict:
    """Train ``config`` with ``train_script`` (tools/train.py) in ``run_dir`` with ``options`` (``KEY=VALUE``
    strings) as ``--cfg-options``, reusing a finished run there; return its summary. tools/train.py leaves the
    config it trained, options applied, in ``run_dir`` under the config's file name."""
    name = osp.splitext(osp.basename(config))[0]
    summary = finished_summary(run_dir)
    if summary is not None:
        print(f'==> {name}: finished run found in {run_dir}', flush=True)
        return summary
    os.makedirs(run_dir, exist_ok=True)
    print(f'==> training {osp.relpath(config)} in {run_dir}', flush=True)
    start = time.time()
    command = [sys.executable, train_script, config, '--work-dir', run_dir]
    if options:
        command += ['--cfg-options', *options]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f'error: training {name} failed; its log is in {run_dir}')
    print(f'    done in {time.time() - start:.0f} s', flush=True)
    summary = finished_summary(run_dir)
    if summary is None:
        raise SystemExit(f'error: {name} finished without a final validation summary in {run_dir}')
    return summary


def trained_config(config: str, run_dir: str) -> Config:
    """The config that train_run(..., ``config``, ``run_dir``) trained, its options applied."""
    return Config.fromfile(osp.join(run_dir, osp.basename(config)))


def budget_of(cfg: Config) -> dict:
    """The budget a trained CPU-budget config ran at, as the study runners record it."""
    return dict(
        iters=cfg.train_cfg.max_iters,
        batch_size=cfg.train_dataloader.batch_size,
        crop=cfg.model.data_preprocessor.size[0],
        lr=cfg.optim_wrapper.optimizer.lr,
        seed=cfg.randomness.seed,
        data_root=cfg.train_dataloader.dataset.data_root,
    )
