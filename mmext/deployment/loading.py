# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Build a config's segmentor for inference and load a checkpoint into it strictly."""

from typing import Optional, Tuple

from mmengine.config import Config
from torch import nn

from ..utils.benchmarking import build_inference_segmentor
from ..utils.pretrained import load_checkpoint_strictly


def load_segmentor(
    config: str, checkpoint: Optional[str] = None, cfg_options: Optional[dict] = None
) -> Tuple[Config, nn.Module]:
    """The config (with ``cfg_options`` merged) and its eval-mode segmentor on the CPU.

    A checkpoint must fit the model exactly (strict load): exported or benchmarked weights that silently
    stayed random would make every number downstream meaningless. Without a checkpoint the weights are
    random, which is fine for latency and export checks.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = build_inference_segmentor(cfg)
    if checkpoint:
        load_checkpoint_strictly(model, checkpoint, config)
    return cfg, model
