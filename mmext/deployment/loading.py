"""Build a config's segmentor for inference and load a checkpoint into it strictly."""
from typing import Optional, Tuple

from mmengine.config import Config
from torch import nn

from ..utils.benchmarking import build_inference_segmentor
from ..utils.pretrained import extract_state_dict, load_checkpoint_file


def load_segmentor(config: str, checkpoint: Optional[str] = None,
                   cfg_options: Optional[dict] = None) -> Tuple[Config, nn.Module]:
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
        state = extract_state_dict(load_checkpoint_file(checkpoint), checkpoint)
        result = model.load_state_dict(state, strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise ValueError(f'{checkpoint} does not fit {config}: missing keys {result.missing_keys[:5]} '
                             f'({len(result.missing_keys)}), unexpected keys {result.unexpected_keys[:5]} '
                             f'({len(result.unexpected_keys)})')
    return cfg, model
