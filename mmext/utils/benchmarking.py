"""Build a segmentor for inference measurements and time several callables side by side."""
import copy
import time
from typing import Callable, Dict, List, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from .runtime import replace_norm_type


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

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.segmentor(inputs, mode='tensor')


def count_gflops(module: nn.Module, x: torch.Tensor) -> float:
    from mmengine.analysis import get_model_complexity_info
    with torch.no_grad():
        return get_model_complexity_info(module, inputs=(x, ), show_table=False, show_arch=False)['flops'] / 1e9


@torch.no_grad()
def time_side_by_side(candidates: Dict[str, Callable[[], object]], repeat: int, warmup: int) -> Dict[str, dict]:
    """Median / p90 latency (ms) of each callable, measured in interleaved rounds.

    Interleaving (A B C, A B C, ...) spreads slow drifts of the machine (frequency, other load) over all
    candidates, so ratios between them are fairer than from back-to-back blocks.
    """
    for _ in range(warmup):
        for run in candidates.values():
            run()
    times: Dict[str, List[float]] = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, run in candidates.items():
            start = time.perf_counter()
            run()
            times[name].append(1000 * (time.perf_counter() - start))
    return {name: dict(median_ms=float(np.median(t)), p90_ms=float(np.percentile(t, 90)), repeat=len(t))
            for name, t in times.items()}
