# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Stop (or skip the step) when a loss term turns NaN or infinite, instead of training on it."""

import math
from typing import Dict, Optional

import torch
from mmengine.hooks import Hook
from mmengine.optim import AmpOptimWrapper
from mmseg.registry import HOOKS

from mmext.engine.optim_wrappers import SkipNonFiniteOptimWrapper

from .rank_agreement import iteration_agreement

POLICIES = ('stop', 'skip')
SKIPPED_INFO_KEY = 'nonfinite_skipped_steps'


class NonFiniteLossError(RuntimeError):
    """Training met a NaN or infinite loss; names the iteration and the loss terms."""


def nonfinite_terms(log_vars: Optional[dict]) -> Dict[str, float]:
    """The loss terms of a model's ``log_vars`` (keys containing 'loss') that are NaN or infinite."""
    bad = {}
    for key, value in (log_vars or {}).items():
        if 'loss' not in key:
            continue
        value = float(value.detach().float().mean()) if isinstance(value, torch.Tensor) else float(value)
        if not math.isfinite(value):
            bad[key] = value
    return bad


AGREEMENT_FLAG = 'nonfinite_loss'


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Check every training iteration's loss terms for NaN / infinity.

    Args:
        on_nonfinite: ``'stop'`` raises :class:`NonFiniteLossError` naming the iteration and the bad loss
            terms (e.g. ``decode.loss_ce=nan``) and the last checkpoint, before any checkpoint of that
            iteration is written. ``'skip'`` drops that optimizer step, logs it and counts it (runtime info
            ``nonfinite_skipped_steps``, kept across ``--resume``); it needs an optimizer wrapper that skips
            non-finite updates: ``optim_wrapper.type='SkipNonFiniteOptimWrapper'`` (or ``AmpOptimWrapper``,
            whose loss scaler skips them).

    When distributed, all ranks stop or skip together, whichever rank saw the bad value: the flag is agreed on
    in the one all-reduce per iteration that it shares with :class:`PreemptionCheckpointHook`
    (:mod:`mmext.engine.hooks.rank_agreement`).
    """

    # Before LoggerHook (BELOW_NORMAL) and CheckpointHook (VERY_LOW) look at the iteration.
    priority = 'ABOVE_NORMAL'

    def __init__(self, on_nonfinite: str = 'stop'):
        if on_nonfinite not in POLICIES:
            raise ValueError(f'NonFiniteLossHook: on_nonfinite must be one of {POLICIES}, got {on_nonfinite!r}')
        self.on_nonfinite = on_nonfinite
        self.skipped = 0

    def before_train(self, runner) -> None:
        if self.on_nonfinite == 'skip' and not isinstance(
            runner.optim_wrapper, (SkipNonFiniteOptimWrapper, AmpOptimWrapper)
        ):
            raise ValueError(
                f"NonFiniteLossHook(on_nonfinite='skip') needs an optimizer wrapper that skips non-finite "
                f"updates, but optim_wrapper is {type(runner.optim_wrapper).__name__}: set "
                f"optim_wrapper.type='SkipNonFiniteOptimWrapper' (or train with --on-nonfinite skip)"
            )
        self.skipped = runner.message_hub.get_info(SKIPPED_INFO_KEY, 0)
        iteration_agreement(runner).join(AGREEMENT_FLAG)

    def after_train(self, runner) -> None:
        iteration_agreement(runner).leave(AGREEMENT_FLAG)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs: Optional[dict] = None) -> None:
        bad = nonfinite_terms(outputs)
        skipped_by_wrapper = getattr(runner.optim_wrapper, 'last_update_skipped', False)
        agreement = iteration_agreement(runner)
        agreement.contribute(AGREEMENT_FLAG, runner.iter, bool(bad) or skipped_by_wrapper)
        if not agreement.agreed(runner.iter)[AGREEMENT_FLAG]:
            return
        iteration = runner.iter + 1
        # The terms first: the total ('loss') is non-finite whenever one of them is.
        terms = ', '.join(
            [f'{k}={v}' for k, v in bad.items() if k != 'loss']
            + [f'total loss={v}' for k, v in bad.items() if k == 'loss']
        )
        terms = terms or 'non-finite on another rank'
        if self.on_nonfinite == 'stop':
            last = runner.message_hub.get_info('last_ckpt')
            resume = (
                f'the last checkpoint is {last} (--resume continues from it)' if last else 'no checkpoint was saved yet'
            )
            raise NonFiniteLossError(
                f'Non-finite loss at iteration {iteration}: {terms}. Training stopped before saving anything of '
                f'this iteration; {resume}. Lower the learning rate, check the data of this iteration, or '
                f'skip such steps with --on-nonfinite skip.'
            )
        self.skipped += 1
        runner.message_hub.update_info(SKIPPED_INFO_KEY, self.skipped)
        runner.logger.warning(
            f'Non-finite loss at iteration {iteration}: {terms}; optimizer step skipped ({self.skipped} skipped so far)'
        )
