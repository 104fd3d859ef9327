# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Loading RGB checkpoints into backbones with extra input channels (pose, depth)."""

import torch
from torch import Tensor

EXTRA_CHANNEL_RULES = ('zeros', 'rgb_mean')


def expand_input_conv_weight(weight: Tensor, in_channels: int, rule: str = 'zeros') -> Tensor:
    """Widen a first-layer conv weight (out, 3, k, k) to (out, in_channels, k, k).

    Rules for the extra input channels:

    - ``'zeros'``: zero weights -- the widened network computes exactly what the RGB network computed,
      whatever the extra channels hold, and learns to use them during fine-tuning.
    - ``'rgb_mean'``: each extra channel gets the mean of the RGB filters -- it starts out seen like a
      grey image (outputs equal the RGB network's only while the extra channels are zero).
    """
    if rule not in EXTRA_CHANNEL_RULES:
        raise ValueError(f'extra input channel rule must be one of {EXTRA_CHANNEL_RULES}, got {rule!r}')
    if weight.shape[1] == in_channels:
        return weight
    if weight.shape[1] > in_channels:
        raise ValueError(f'cannot load a first layer with {weight.shape[1]} input channels into one with {in_channels}')
    extra = in_channels - weight.shape[1]
    if rule == 'zeros':
        fill = weight.new_zeros(weight.shape[0], extra, *weight.shape[2:])
    else:
        fill = weight.mean(dim=1, keepdim=True).expand(-1, extra, -1, -1)
    return torch.cat([weight, fill], dim=1)
