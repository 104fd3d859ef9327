# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""mmengine's Runner with what a preemptible multi-GPU job needs from the two steps hooks cannot reach: building
the data loaders and wrapping the model."""

import atexit
import multiprocessing
import multiprocessing.util
import os
import signal
import threading
import time
from typing import Any, Callable, Dict, Optional, Sequence, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmseg.registry import RUNNERS
from torch.utils.data import DataLoader

from .hooks.channels_last_hook import channels_last_declared, to_channels_last
from .hooks.preemption_checkpoint_hook import STOP_SIGNALS

# Set when the main process exits. Python's multiprocessing stops daemonic children -- the loader workers -- at
# exit with SIGTERM and then joins them; workers that ignore SIGTERM must leave by themselves then. One flag per
# multiprocessing start method (shared memory cannot cross contexts).
_MAIN_EXITING: Dict[str, Any] = {}


def _main_exiting_flag(context) -> Any:
    method = context.get_start_method()
    if method not in _MAIN_EXITING:
        if not _MAIN_EXITING:
            # multiprocessing's exit function runs its finalizers of priority >= 0 *before* it terminates and
            # joins the children; atexit as well, in case that changes.
            multiprocessing.util.Finalize(None, loader_workers_may_stop, exitpriority=100)
            atexit.register(loader_workers_may_stop)
        # A shared flag, not an Event: Event.set() waits until every waiting process acknowledges, and the
        # workers of a non-persistent loader are gone by then -- the main process would hang at exit.
        _MAIN_EXITING[method] = context.RawValue('b', 0)
    return _MAIN_EXITING[method]


def loader_workers_may_stop() -> None:
    """The workers of the loaders built so far (with :class:`LeaveStopSignalsToMainProcess`) exit now."""
    for flag in _MAIN_EXITING.values():
        flag.value = 1


def _exit_when_set(flag) -> None:
    while not flag.value:
        time.sleep(0.5)
    os._exit(0)


class LeaveStopSignalsToMainProcess:
    """A DataLoader ``worker_init_fn`` that makes the worker ignore the stop signals (SIGTERM, SIGUSR1), then runs
    the ``worker_init_fn`` it wraps (mmengine's seeding, or the config's own).

    torchrun stops its workers with ``os.killpg(..., SIGTERM)`` and Slurm signals every process of a job step,
    so loader workers get the signal too. A worker killed by it makes the main process raise "DataLoader worker
    ... killed by signal" before :class:`~mmext.engine.hooks.PreemptionCheckpointHook` can save. So the worker
    leaves the signal to the main process, which finishes the iteration, saves and stops; the workers then end
    as usual (the loader shuts them down; torch's workers also exit when the main process dies). The signals are
    ignored outright (``SIG_IGN``, in the kernel): a Python handler can run seconds late, when the signal went to
    another thread of the worker. For the one case where the main process relies on SIGTERM to end its workers --
    Python's multiprocessing terminating daemonic children at exit -- a thread of the worker polls the shared flag
    ``main_exiting`` (set by the main process as it exits, :func:`loader_workers_may_stop`) and then ends the worker.
    Picklable, for the spawn start method.
    """

    def __init__(
        self, wrapped: Optional[Callable[[int], None]] = None, signals: Sequence[str] = STOP_SIGNALS, main_exiting=None
    ):
        self.wrapped = wrapped
        self.signals = tuple(signals)
        self.main_exiting = main_exiting

    def __call__(self, worker_id: int) -> None:
        for name in self.signals:
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        if self.main_exiting is not None:
            threading.Thread(
                target=_exit_when_set, args=(self.main_exiting,), daemon=True, name='exit-with-main-process'
            ).start()
        if self.wrapped is not None:
            self.wrapped(worker_id)


def leave_stop_signals_to_main_process(loader: DataLoader) -> DataLoader:
    """Chain :class:`LeaveStopSignalsToMainProcess` in front of ``loader``'s ``worker_init_fn`` (before its
    workers start; once is enough)."""
    if (
        isinstance(loader, DataLoader)
        and loader.num_workers > 0
        and not isinstance(loader.worker_init_fn, LeaveStopSignalsToMainProcess)
    ):
        context = loader.multiprocessing_context or multiprocessing.get_context()
        loader.worker_init_fn = LeaveStopSignalsToMainProcess(
            loader.worker_init_fn, main_exiting=_main_exiting_flag(context)
        )
    return loader


def shut_down_loader_workers(loop) -> None:
    """Stop the data loader workers of a finished loop now.

    A clean shutdown tells each worker to exit and takes a fraction of a second. Left to the garbage collector,
    torch 2.13's iterator waits out a 5 s timeout per worker (measured here: 10 s for 2 workers after an
    in-process run), and workers that leave stop signals to the main process would wait for it to exit.
    Reaches torch's ``_shutdown_workers`` and the loader's ``_iterator`` (the persistent workers' iterator, which
    a later loop would otherwise reuse after its shutdown): torch has no public way to stop workers."""
    loader = getattr(loop, 'dataloader', None)
    iterators = [getattr(loader, '_iterator', None)]
    wrapped = getattr(loop, 'dataloader_iterator', None)  # RNGStateHook's replay wrapper -> mmengine's -> torch's
    for _ in range(4):
        if wrapped is None:
            break
        iterators.append(wrapped)
        wrapped = getattr(wrapped, '_iterator', None)
    for iterator in iterators:
        shutdown = getattr(iterator, '_shutdown_workers', None)
        if callable(shutdown):
            shutdown()
    if getattr(loader, '_iterator', None) is not None:
        loader._iterator = None


@RUNNERS.register_module()
class MMExtRunner(Runner):
    """``mmengine.runner.Runner`` (same arguments and config) with two additions for GPU clusters:

    * every data loader it builds has workers that leave SIGTERM / SIGUSR1 to the main process
      (:class:`LeaveStopSignalsToMainProcess`, chained with mmengine's seeding ``worker_init_fn`` or the config's
      own), so a job whose whole process group is signalled still saves its checkpoint;
    * a config that declares :class:`~mmext.engine.hooks.ChannelsLastHook` gets its model converted to
      channels_last before the model is wrapped in DistributedDataParallel (DDP lays out its gradient buckets
      like the parameters it is given);
    * the training loader's workers are stopped when training ends (:func:`shut_down_loader_workers`).

    ``tools/train.py`` and ``tools/test.py`` build it for every config (``runner_type`` in the config chooses
    another), and ``configs/_base_/default_runtime.py`` names it, so mmseg's own tools use it too.
    """

    @staticmethod
    def build_dataloader(
        dataloader: Union[DataLoader, Dict], seed: Optional[int] = None, diff_rank_seed: bool = False
    ) -> DataLoader:
        loader = Runner.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
        return leave_stop_signals_to_main_process(loader)

    def train(self):
        try:
            return super().train()
        finally:
            shut_down_loader_workers(self._train_loop)  # its workers would otherwise live until they are collected

    def wrap_model(self, model_wrapper_cfg: Optional[Dict], model):
        if not is_model_wrapper(model) and channels_last_declared(self.cfg):
            to_channels_last(model)
        return super().wrap_model(model_wrapper_cfg, model)
