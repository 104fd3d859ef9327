# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""An OptimWrapper that never applies an update computed from a non-finite loss."""

from typing import Dict, Optional

import torch
from mmengine.dist import all_reduce
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS


def finite_on_all_ranks(loss: torch.Tensor) -> bool:
    """Whether ``loss`` is finite in every process (one all-reduce when distributed).

    With DDP the gradients are averaged over ranks, so one rank's NaN reaches every rank's update: all ranks
    must agree to skip. The agreement has to come before the optimizer step, so it cannot share the
    after-iteration collective of the hooks (:mod:`mmext.engine.hooks.rank_agreement`). mmengine's
    ``all_reduce`` puts the flag on the process group's device (and does nothing in a single process).
    """
    finite = torch.isfinite(loss.detach()).all().to(torch.int32).reshape(1)
    all_reduce(finite, op='min')
    return bool(finite.item())


@OPTIM_WRAPPERS.register_module()
class SkipNonFiniteOptimWrapper(OptimWrapper):
    """``OptimWrapper`` (same arguments) that skips the optimizer step when the loss is NaN or infinite.

    The backward pass still runs (DDP's gradient all-reduce must happen on every rank), then the gradients
    are dropped instead of applied: no parameter, momentum or Adam moment sees them. With gradient
    accumulation a non-finite loss drops the whole accumulation window. Learning-rate schedules still
    advance (the iteration counts). :class:`~mmext.engine.hooks.NonFiniteLossHook` with
    ``on_nonfinite='skip'`` reports each skipped step with its loss terms.

    Attributes:
        skipped_steps: optimizer steps skipped so far in this process.
        last_update_skipped: whether the latest update was skipped.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skipped_steps = 0
        self.last_update_skipped = False
        self._window_nonfinite = False

    def update_params(
        self, loss: torch.Tensor, step_kwargs: Optional[Dict] = None, zero_kwargs: Optional[Dict] = None
    ) -> None:
        loss = self.scale_loss(loss)
        self.backward(loss)
        self._window_nonfinite |= not finite_on_all_ranks(loss)
        if self.should_update():
            self.last_update_skipped = self._window_nonfinite
            if self._window_nonfinite:
                self.skipped_steps += 1
                self._window_nonfinite = False
            else:
                self.step(**(step_kwargs or {}))
            self.zero_grad(**(zero_kwargs or {}))
