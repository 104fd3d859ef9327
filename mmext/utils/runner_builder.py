# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Build mmengine's Runner from a loaded config, with every check first, so that a config mistake stops a run
before its first iteration (used by tools/train.py and tools/test.py)."""

import os

from mmengine.config import Config
from mmengine.runner import Runner

from .config_checks import check_cfg_files
from .config_errors import ConfigCheckError, check_registered, dataset_problem, explained_build_errors
from .distributed import adapt_cfg_to_device, init_cpu_process_group, set_slurm_master_port
from .gpu_check import check_cuda_usable
from .hook_settings import drop_disabled_hooks

__all__ = ['build_runner', 'runner_class']


def runner_class(cfg: Config) -> type:
    """The config's ``runner_type`` (a name in mmseg's RUNNERS registry), by default
    :class:`~mmext.engine.runner.MMExtRunner`: mmengine's Runner whose loader workers leave SIGTERM to the main
    process and which converts a channels_last model before DDP wraps it."""
    from mmseg.registry import RUNNERS

    name = cfg.get('runner_type', 'MMExtRunner')
    found = RUNNERS.get(name) if isinstance(name, str) else name
    if found is None:
        raise ConfigCheckError(f'runner_type: unknown runner {name!r} (not registered in mmseg\'s RUNNERS registry)')
    return found


def build_runner(cfg: Config, stage: str = 'train') -> Runner:
    """Adapt ``cfg`` to this machine, check its files and build mmengine's Runner with everything that the
    ``stage`` ('train' or 'test') needs -- model, hooks, datasets, loops, optimizer -- so that a config
    mistake stops the run here, before the first iteration.

    Raises:
        ConfigCheckError: a weight file, data root or annotation file is missing, a ``type`` is unknown, an
            argument name is wrong, or a dataset cannot be built; the message names the config key.
    """
    from mmext.datasets.errors import DatasetError

    from .bad_sample_config import apply_bad_sample_policy  # imports mmseg and mmdet: only when needed

    check_cuda_usable(allow_cpu=bool(cfg.get('allow_cpu', False)) or os.environ.get('MMEXT_ALLOW_CPU') == '1')
    notes = adapt_cfg_to_device(cfg, cfg.launcher) + apply_bad_sample_policy(cfg)
    notes += drop_disabled_hooks(cfg)
    check_cfg_files(cfg)
    port = set_slurm_master_port(cfg)
    if port is not None:
        notes.append(f'Slurm job {os.environ["SLURM_JOB_ID"]}: rendezvous on port {port} (MASTER_PORT)')
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    init_cpu_process_group(cfg.launcher, dist_cfg.get('timeout', 1800))
    with explained_build_errors(cfg):
        runner = runner_class(cfg).from_cfg(cfg)
    for note in notes:
        runner.logger.info(note)
    loops = ('train_loop', 'val_loop') if stage == 'train' else ('test_loop',)
    for loop in loops:
        loader = loop.replace('loop', 'dataloader')
        if cfg.get(loader) is None:
            continue
        with explained_build_errors(cfg, loader):
            try:
                getattr(runner, loop)  # the property builds the loop, its dataloader and dataset, its metrics
            except (FileNotFoundError, DatasetError) as error:
                raise dataset_problem(loader, error) from error
    if stage == 'train':
        from mmseg.registry import OPTIMIZERS

        check_registered(cfg.get('optim_wrapper', {}).get('optimizer'), 'optim_wrapper.optimizer', OPTIMIZERS)
        with explained_build_errors(cfg, 'optim_wrapper'):
            # Runner.train() builds it at this same point of its sequence and keeps a built one.
            runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    return runner
