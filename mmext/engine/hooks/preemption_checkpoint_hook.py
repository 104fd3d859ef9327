"""Save a checkpoint when the job is told to stop (SIGTERM: Slurm preemption or time limit, ``kill``)."""
import signal
from typing import Optional

import torch
import torch.distributed as dist
from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmseg.registry import HOOKS

from .rng_state_hook import RNGStateHook, capture_rng_state


@HOOKS.register_module()
class PreemptionCheckpointHook(Hook):
    """On SIGTERM (or ``signals``), finish the current iteration, save a checkpoint through the run's
    ``CheckpointHook`` (atomically, with every rank's generator states) and stop training.

    Slurm sends SIGTERM some seconds before it preempts a job or ends it at its time limit; ``--resume``
    then continues from that checkpoint. When distributed, the ranks agree each iteration (one all-reduce of
    a flag) on whether any of them was signalled, so they all stop at the same iteration. The training loop
    ends normally; ``stopped_at`` tells the tools that it was a stop, not the end.

    Args:
        signals: signal names to catch (default: SIGTERM).
    """
    priority = 'LOWEST'  # after CheckpointHook: no second save of an iteration it saved anyway

    def __init__(self, signals=('SIGTERM', )):
        self.signals = tuple(signals)
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

    def after_train(self, runner) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}

    def _anyone_signalled(self) -> bool:
        flag = torch.tensor([int(self._signalled)])
        if get_world_size() > 1:
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self._anyone_signalled():
            return
        step = runner.iter + 1
        checkpoint_hook = next((h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
        already_saved = checkpoint_hook is not None and checkpoint_hook.every_n_train_iters(
            runner, checkpoint_hook.interval) and not checkpoint_hook.by_epoch
        if checkpoint_hook is not None and not already_saved:
            rng_hook = next((h for h in runner.hooks if isinstance(h, RNGStateHook)), None)
            if rng_hook is not None and get_world_size() > 1:
                rng_hook._gathered = (runner.iter, all_gather_object(capture_rng_state()))
            checkpoint_hook._save_checkpoint(runner)
        runner.logger.warning(f'PreemptionCheckpointHook: stop requested by a signal; stopping after iteration '
                              f'{step} with its checkpoint saved' + ('' if checkpoint_hook else
                                                                     ' (no CheckpointHook: nothing saved)'))
        self.stopped_at = step
        runner.train_loop.stop_training = True
