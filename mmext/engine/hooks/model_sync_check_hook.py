# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Check that data-parallel ranks really train one model."""

from typing import Optional

import torch
from mmengine.dist import all_gather, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


def parameter_checksum(model: torch.nn.Module) -> torch.Tensor:
    """Two float64 numbers that change with any parameter: plain sum and a position-weighted sum."""
    total = torch.zeros(2, dtype=torch.float64)
    offset = 0
    for param in model.parameters():
        flat = param.detach().reshape(-1).double().cpu()
        weights = torch.arange(offset + 1, offset + flat.numel() + 1, dtype=torch.float64)
        total[0] += flat.sum()
        total[1] += (flat * weights).sum() / (offset + flat.numel())
        offset += flat.numel()
    return total


@HOOKS.register_module()
class ModelSyncCheckHook(Hook):
    """Compare the parameters of all ranks; raise if any rank's weights differ.

    DDP applies the same averaged gradients everywhere, so parameters must be bitwise identical
    across ranks (BN running statistics are per rank unless SyncBN is used, and are not compared).

    Args:
        interval: also check every ``interval`` training iterations (0: only after training).
    """

    priority = 'VERY_LOW'

    def __init__(self, interval: int = 0):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs: Optional[dict] = None) -> None:
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self._check(runner, runner.iter + 1)

    def after_train(self, runner) -> None:
        self._check(runner, runner.iter)

    def _check(self, runner, iterations_done: int) -> None:
        world_size = get_world_size()
        if world_size == 1:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        checksums = all_gather(parameter_checksum(model))
        if any(not torch.equal(checksums[0], c) for c in checksums[1:]):
            table = ', '.join(f'rank {r}: {c.tolist()}' for r, c in enumerate(checksums))
            raise RuntimeError(f'Ranks hold different weights after {iterations_done} iterations: {table}')
        runner.logger.info(
            f'ModelSyncCheckHook: parameters identical on all {world_size} ranks after '
            f'{iterations_done} iterations (checksum {checksums[0][0].item():.12e})'
        )
