# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""One training step of a config (data preprocessor, forward, losses, backward, optimizer) as a callable.

Used to measure training throughput and memory without the Runner's loop: batches come from the config's
own train dataloader (so multi-task targets are real), are fetched once, and the timed step cycles over
them -- data loading is excluded, as it overlaps with compute in a real run.
"""

import copy
import itertools
from typing import Callable, Tuple

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from torch import nn

from .benchmarking import mmengine_log_level
from .distributed import replace_norm_type


def build_train_step(
    cfg: Config, batch_size: int, device: str = 'cpu', num_batches: int = 2, seed: int = 0
) -> Tuple[nn.Module, Callable[[], dict]]:
    """The config's model in train mode and a callable running one optimisation step on a cached batch.

    Pretrained initialisation is switched off (it does not change the cost); SyncBN becomes BN on the CPU.
    """
    from mmseg.registry import MODELS

    init_default_scope('mmseg')
    cfg = copy.deepcopy(cfg)
    torch.manual_seed(seed)
    if not device.startswith('cuda'):
        replace_norm_type(cfg.model, 'SyncBN', 'BN')
    cfg.model.pop('init_cfg', None)
    if 'backbone' in cfg.model:
        cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).to(device).train()
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
    with mmengine_log_level('WARNING'):  # one INFO line per parameter group otherwise
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        loader = Runner.build_dataloader(loader_cfg, seed=seed)
    batches = list(itertools.islice(iter(loader), num_batches))
    cycle = itertools.cycle(batches)

    def step() -> dict:
        with torch.enable_grad():  # timing helpers may run callables under no_grad
            return model.train_step(next(cycle), optim_wrapper)

    return model, step


def cpu_bf16_speedup(cfg: Config, batch_size: int, steps: int = 4, warmup: int = 2) -> Tuple[float, float]:
    """Median seconds of a training step in fp32 and under CPU bfloat16 autocast, measured in alternating
    steps of the config's own model and batches (channels_last when the config's hooks ask for it)."""
    import statistics
    import time

    model, step = build_train_step(cfg, batch_size)
    if any(hook.get('type') == 'ChannelsLastHook' for hook in cfg.get('custom_hooks') or []):
        from mmext.engine.hooks.channels_last_hook import _inputs_to_channels_last

        model.to(memory_format=torch.channels_last)
        model.data_preprocessor.register_forward_hook(_inputs_to_channels_last)
    times = {False: [], True: []}
    for i in range(warmup + steps):
        for bf16 in (False, True):
            start = time.perf_counter()
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                step()
            if i >= warmup:
                times[bf16].append(time.perf_counter() - start)
    return statistics.median(times[False]), statistics.median(times[True])
