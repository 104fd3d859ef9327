# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Stop training with a checkpoint when the job is told to stop (Slurm preemption or time limit, ``kill``)."""

import signal
from typing import Optional, Sequence

from mmengine.hooks import CheckpointHook, Hook
from mmseg.registry import HOOKS

from .rank_agreement import iteration_agreement

# Slurm sends SIGTERM to every process of a job step at preemption and at the time limit (and SIGKILL
# KillWait seconds later); `sbatch --signal=USR1@180` asks for SIGUSR1 three minutes before the time limit.
STOP_SIGNALS = ('SIGTERM', 'SIGUSR1')
AGREEMENT_FLAG = 'stop_signal'


def saves_after_train_iter(hook: Hook, runner) -> bool:
    """Whether ``hook`` is a CheckpointHook that saves a checkpoint after the current training iteration.

    :class:`~mmext.engine.hooks.AtomicCheckpointHook` answers itself (its schedule, and a stop requested
    through ``runner.train_loop.stop_training``); for mmengine's own CheckpointHook this is its schedule in
    mmengine 0.10: iteration-based, every ``interval`` iterations counted from ``save_begin``, and the last
    iteration when ``save_last``.
    """
    if not isinstance(hook, CheckpointHook):
        return False
    own_answer = getattr(hook, 'saves_after_train_iter', None)
    if callable(own_answer):
        return bool(own_answer(runner))
    if hook.by_epoch:
        return False
    return bool(
        hook.every_n_train_iters(runner, hook.interval, hook.save_begin)
        or (hook.save_last and hook.is_last_train_iter(runner))
    )


@HOOKS.register_module()
class PreemptionCheckpointHook(Hook):
    """On SIGTERM or SIGUSR1 (``signals``), finish the current iteration, stop training and leave a checkpoint of
    that iteration.

    The hook only *requests* the stop (``runner.train_loop.stop_training``, mmengine's public switch);
    :class:`~mmext.engine.hooks.AtomicCheckpointHook` saves the checkpoint of an iteration after which training
    stops (with every rank's generator states, through :class:`~mmext.engine.hooks.RNGStateHook`), unless its
    schedule saves that iteration anyway. With mmengine's plain ``CheckpointHook`` only scheduled iterations
    are saved, and the hook says so.

    When distributed, the ranks agree after each iteration whether any of them was signalled, in the one
    all-reduce per iteration shared with :class:`NonFiniteLossHook`, so they all stop at the same iteration.
    ``stopped_at`` tells the tools that the run was stopped, not finished (``tools/train.py`` exits with 143).

    Data loader workers ignore these signals (:class:`~mmext.engine.runner.MMExtRunner`): torchrun and Slurm
    signal every process of a job, and a worker that died of it would end the run before the checkpoint.

    Args:
        signals: names of the signals that request the stop (default: SIGTERM and SIGUSR1).
    """

    # after_train_iter after NonFiniteLossHook (ABOVE_NORMAL) -- no checkpoint of a NaN iteration -- and before
    # RNGStateHook (LOW) and the checkpoint hook (VERY_LOW), which save because training stops.
    priority = 'NORMAL'

    def __init__(self, signals: Sequence[str] = STOP_SIGNALS):
        self.signals = tuple(signals)
        for name in self.signals:
            if not isinstance(getattr(signal, name, None), signal.Signals):
                raise ValueError(f'PreemptionCheckpointHook: unknown signal {name!r}')
        self._signalled = False
        self._previous = {}
        self.stopped_at: Optional[int] = None

    def _handle(self, signum, frame) -> None:
        self._signalled = True

    def before_train(self, runner) -> None:
        for name in self.signals:
            number = getattr(signal, name)
            try:
                self._previous[number] = signal.signal(number, self._handle)
            except ValueError:  # not the main thread (e.g. a test harness): no handler, no stop
                pass
        iteration_agreement(runner).join(AGREEMENT_FLAG, lambda: self._signalled)

    def after_train(self, runner) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}
        iteration_agreement(runner).leave(AGREEMENT_FLAG)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not iteration_agreement(runner).agreed(runner.iter)[AGREEMENT_FLAG]:
            return
        step = runner.iter + 1
        runner.train_loop.stop_training = True  # before the checkpoint hooks look at this iteration
        checkpoint_hooks = [h for h in runner.hooks if isinstance(h, CheckpointHook)]
        if any(saves_after_train_iter(h, runner) for h in checkpoint_hooks):
            saved = 'with its checkpoint saved'
        elif checkpoint_hooks:
            saved = (
                f'without a checkpoint of it: {type(checkpoint_hooks[0]).__name__} saves only on its schedule '
                f'(AtomicCheckpointHook also saves when training stops)'
            )
        else:
            saved = 'without a checkpoint (no CheckpointHook)'
        runner.logger.warning(
            f'PreemptionCheckpointHook: stop requested by a signal; stopping after iteration {step} {saved}'
        )
        self.stopped_at = step
