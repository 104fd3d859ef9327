# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Distributed runs: the launcher's process group, the one adaptation of a GPU-cluster config to a machine
without CUDA, the Slurm rendezvous port, and what a failing rank reports."""

import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.runner import Runner

from .config_errors import ConfigCheckError, walk_dicts

__all__ = [
    'adapt_cfg_to_device',
    'init_cpu_process_group',
    'replace_norm_type',
    'reported_rank_failure',
    'set_slurm_master_port',
    'shutdown_process_group',
    'slurm_master_port',
]


def replace_norm_type(node: Any, old: str, new: str) -> int:
    """Replace ``type=old`` by ``type=new`` in every norm config below ``node``; returns the count."""
    count = 0
    for _, d in walk_dicts(node):
        if d.get('type') == old:
            d['type'] = new
            count += 1
    return count


def slurm_master_port(job_id: str) -> int:
    """The rendezvous port of a Slurm job: 20000-29999 from the job ID, so that two jobs sharing a node do
    not both take mmengine's default 29500 (and stay below Linux's ephemeral ports, 32768 and up)."""
    return 20000 + int(job_id) % 10000


def set_slurm_master_port(cfg: Config) -> Optional[int]:
    """For ``--launcher slurm``: unless ``MASTER_PORT`` or ``env_cfg.dist_cfg.port`` is set, set ``MASTER_PORT``
    from ``SLURM_JOB_ID`` (every task of the job computes the same). Returns the port it set."""
    dist_cfg = (cfg.get('env_cfg') or {}).get('dist_cfg') or {}
    job_id = os.environ.get('SLURM_JOB_ID', '')
    if cfg.get('launcher') != 'slurm' or 'MASTER_PORT' in os.environ or dist_cfg.get('port') or not job_id.isdigit():
        return None
    port = slurm_master_port(job_id)
    os.environ['MASTER_PORT'] = str(port)
    return port


def adapt_cfg_to_device(cfg: Config, launcher: str) -> List[str]:
    """The one step that adapts a GPU-cluster config to a machine without CUDA; returns what it changed.

    A single process changes nothing: mmengine runs SyncBN layers as BatchNorm when training is not
    distributed (and logs it). A distributed run on the CPU uses the gloo backend, DDP on a CPU model
    (``device_ids=None``) and BN instead of SyncBN (DDP refuses SyncBN on the CPU). Everything else in the
    dumped config is the config as loaded.
    """
    if torch.cuda.is_available():
        return []
    notes = []
    if launcher != 'none':
        replaced = replace_norm_type(cfg.model, 'SyncBN', 'BN')
        if replaced:
            notes.append(f'no CUDA device: {replaced} SyncBN configs -> BN (distributed on the CPU)')
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                device_ids=None,
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters', False),
            )
        notes.append('no CUDA device: distributed training on the CPU with the gloo backend')
    return notes


def init_cpu_process_group(launcher: str, timeout_s: float = 1800) -> None:
    """Start the gloo process group for ``--launcher pytorch`` on a machine without CUDA.

    mmengine's own initialisation calls ``torch.cuda.set_device``, which fails without a GPU; the Runner
    skips it when the group already exists.
    """
    if torch.cuda.is_available() or launcher != 'pytorch' or dist.is_initialized():
        return
    from datetime import timedelta

    dist.init_process_group(backend='gloo', timeout=timedelta(seconds=timeout_s))


def shutdown_process_group() -> None:
    """Leave the process group cleanly at the end of a distributed run.

    Exiting with the group alive lets a rank abort during interpreter shutdown ("terminate called without
    an active exception", exit status -6) while gloo's threads still run -- seen on a resumed 2-process run.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


@contextmanager
def reported_rank_failure(runner: Runner) -> Iterator[None]:
    """When distributed, say which rank stopped, at which iteration and why, before the error propagates.

    A rank that raises ends its process; torchrun then stops the others. A rank that hangs makes the others
    fail at their next collective operation after ``env_cfg.dist_cfg.timeout`` seconds -- this message
    tells that case apart from a bug of the failing rank itself.
    """
    try:
        yield
    except Exception as error:
        if runner.world_size > 1 and not isinstance(error, ConfigCheckError):
            text = str(error)
            message = (
                f'error: rank {runner.rank} of {runner.world_size} stopped at iteration {runner.iter + 1}: '
                f'{type(error).__name__}: {text}'
            )
            if 'timed out' in text.lower() or 'timeout' in text.lower():
                timeout = runner.cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 'the default')
                message += (
                    f'\n  It waited env_cfg.dist_cfg.timeout ({timeout} s) for another rank, which hung '
                    f'or died: its log shows why. Raise the timeout (--cfg-options '
                    f'env_cfg.dist_cfg.timeout=SECONDS) only if single steps really take that long.'
                )
            elif 'connection closed' in text.lower() or 'connection reset' in text.lower():
                message += '\n  Another rank exited: its error is the cause.'
            print(message, file=sys.stderr, flush=True)
        raise
