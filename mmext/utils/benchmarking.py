# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Build a segmentor for inference measurements, count its cost and time several callables side by side."""

import contextlib
import copy
import ctypes
import multiprocessing
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from .distributed import replace_norm_type


def build_inference_segmentor(cfg: Union[str, Config]) -> nn.Module:
    """The config's segmentor in eval mode on the CPU, without loading pretrained weights (SyncBN -> BN)."""
    from mmseg.registry import MODELS

    init_default_scope('mmseg')
    cfg = Config.fromfile(cfg) if isinstance(cfg, str) else copy.deepcopy(cfg)
    replace_norm_type(cfg.model, 'SyncBN', 'BN')
    cfg.model.pop('init_cfg', None)
    if 'backbone' in cfg.model:
        cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model).eval()


def input_channels(cfg: Config) -> int:
    """Input channels of a config's model, read from its data preprocessor's ``mean`` (3 when absent)."""
    return len(cfg.model.get('data_preprocessor', {}).get('mean') or [0, 0, 0])


class TensorMode(nn.Module):
    """A segmentor's ``mode='tensor'`` path (what inference runs) as a plain module, for FLOP counters."""

    def __init__(self, segmentor: nn.Module):
        super().__init__()
        self.segmentor = segmentor
        self.train(segmentor.training)  # a new module starts in train mode; keep the segmentor's mode

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.segmentor(inputs, mode='tensor')


@contextlib.contextmanager
def mmengine_log_level(level: str) -> Iterator[None]:
    """Temporarily raise the level of mmengine's current logger (e.g. to hide per-parameter INFO lines)."""
    from mmengine.logging import MMLogger

    logger = MMLogger.get_current_instance()
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


def count_gflops(module: nn.Module, x: torch.Tensor) -> float:
    """GFLOPs of ``module(x)`` by mmengine's complexity analysis (one multiply-add counts as one FLOP)."""
    from mmengine.analysis import get_model_complexity_info

    # Element-wise ops are uncounted by design; the counter's warnings about them would only be noise.
    with torch.no_grad(), mmengine_log_level('ERROR'):
        flops = get_model_complexity_info(module, inputs=(x,), show_table=False, show_arch=False)['flops']
    return flops / 1e9


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def state_size_mb(module: nn.Module) -> float:
    """Size of the module's state dict (parameters and buffers) in MiB, at its current dtypes."""
    return sum(t.numel() * t.element_size() for t in module.state_dict().values()) / 2**20


def latency_stats(times_ms: Sequence[float]) -> dict:
    """Median, p90, mean and min of a list of latencies (ms)."""
    return dict(
        median_ms=float(np.median(times_ms)),
        p90_ms=float(np.percentile(times_ms, 90)),
        mean_ms=float(np.mean(times_ms)),
        min_ms=float(np.min(times_ms)),
        repeat=len(times_ms),
    )


def _status_kb(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def _peak_rss_child(run: Callable[[], object], queue) -> None:
    # A forked child must not use the parent's OpenMP pool (it hangs); one thread is enough to see memory.
    torch.set_num_threads(1)
    # Give freed heap back to the OS and restart the peak counter here, so that memory the parent freed
    # (and malloc kept) neither hides the call's allocations nor counts as them.
    ctypes.CDLL('libc.so.6').malloc_trim(0)
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    before = _status_kb('VmRSS')
    run()
    queue.put((_status_kb('VmHWM') - before) / 1024)


def peak_memory_mb(run: Callable[[], object], device: str = 'cpu', timeout_s: float = 300) -> Optional[float]:
    """Peak memory (MiB) that one call of ``run`` adds on top of what is already allocated.

    CUDA: ``torch.cuda.max_memory_allocated`` growth during the call. CPU (Linux): the call runs in a forked
    child that returns freed heap to the OS (``malloc_trim``) and resets its peak-RSS counter
    (``/proc/self/clear_refs``); the peak RSS growth during the call is what it allocated (activations,
    workspaces; for a training step also the gradients) -- not the weights or optimizer state, which the child
    inherits already allocated.
    The child runs with one thread (a forked OpenMP pool hangs). ``run`` sets its own grad mode (an
    inference call should run under ``torch.no_grad()``). None if the child fails or times out.
    """
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        run()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    child = context.Process(target=_peak_rss_child, args=(run, queue))
    child.start()
    child.join(timeout_s)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return queue.get() if child.exitcode == 0 and not queue.empty() else None


@torch.no_grad()
def time_side_by_side(
    candidates: Dict[str, Callable[[], object]], repeat: int, warmup: int, sync: Optional[Callable[[], None]] = None
) -> Dict[str, dict]:
    """Median / p90 latency (ms) of each callable, measured in interleaved rounds.

    Interleaving (A B C, A B C, ...) spreads slow drifts of the machine (frequency, other load) over all
    candidates, so ratios between them are fairer than from back-to-back blocks. ``sync`` (e.g.
    ``torch.cuda.synchronize``) runs before each clock reading, for asynchronous devices.
    """
    sync = sync or (lambda: None)
    for _ in range(warmup):
        for run in candidates.values():
            run()
    times: Dict[str, List[float]] = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, run in candidates.items():
            sync()
            start = time.perf_counter()
            run()
            sync()
            times[name].append(1000 * (time.perf_counter() - start))
    return {name: latency_stats(t) for name, t in times.items()}
