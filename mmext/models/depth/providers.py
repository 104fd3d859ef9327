# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Build a depth provider by its command-line name."""

from mmseg.registry import MODELS
from torch import nn

# Command-line name -> registered type.
PROVIDERS = {'midas_small': 'MiDaSSmall', 'dpt': 'DPTDepth'}


def build_depth_provider(name: str, weights: str, device: str = 'cpu') -> nn.Module:
    """A provider in eval mode on ``device``, weights from the local ``weights`` path (file or folder)."""
    if name not in PROVIDERS:
        raise KeyError(f'unknown depth provider {name!r}; choose from {sorted(PROVIDERS)}')
    if weights is None:
        raise ValueError(f'depth provider {name!r} needs a local weights path')
    return MODELS.build(dict(type=PROVIDERS[name], weights=weights)).to(device).eval()
