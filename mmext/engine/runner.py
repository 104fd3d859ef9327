"""mmengine's Runner with what a preemptible multi-GPU job needs from the two steps hooks cannot reach: building
the data loaders and wrapping the model."""
import atexit
import multiprocessing
import os
import signal
from functools import partial
from typing import Any, Callable, Dict, Optional, Sequence, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmseg.registry import RUNNERS
from torch.utils.data import DataLoader

from .hooks.channels_last_hook import channels_last_declared, to_channels_last
from .hooks.preemption_checkpoint_hook import STOP_SIGNALS


# Set when the main process no longer needs its loader workers to outlive a stop signal: its training (or
# testing) has ended, or it is exiting -- Python's multiprocessing stops daemonic children (loader workers) with
# SIGTERM at exit, and joins them. One event per multiprocessing start method (an event cannot cross contexts).
_MAIN_DONE: Dict[str, Any] = {}


def _main_done_event(context) -> Any:
    method = context.get_start_method()
    if method not in _MAIN_DONE:
        if not _MAIN_DONE:
            atexit.register(loader_workers_may_stop)
        _MAIN_DONE[method] = context.Event()
    return _MAIN_DONE[method]


def loader_workers_may_stop() -> None:
    """From now on the workers of the loaders built so far die of a stop signal again."""
    for event in _MAIN_DONE.values():
        event.set()


def _on_stop_signal(main_done, signum: int, frame) -> None:
    if main_done is not None and main_done.is_set():
        signal.signal(signum, signal.SIG_DFL)  # the main process is done: die of the signal, as by default
        os.kill(os.getpid(), signum)


class LeaveStopSignalsToMainProcess:
    """A DataLoader ``worker_init_fn`` that makes the worker survive the stop signals (SIGTERM, SIGUSR1) while
    the main process trains, then runs the ``worker_init_fn`` it wraps (mmengine's seeding, or the config's own).

    torchrun stops its workers with ``os.killpg(..., SIGTERM)`` and Slurm signals every process of a job step,
    so loader workers get the signal too. A worker killed by it makes the main process raise "DataLoader worker
    ... killed by signal" before :class:`~mmext.engine.hooks.PreemptionCheckpointHook` can save. So the worker
    leaves the signal to the main process, which finishes the iteration, saves and stops. Once ``main_done`` is
    set (:func:`loader_workers_may_stop`: the run has ended, or the main process exits and Python's
    multiprocessing terminates its daemonic workers with SIGTERM) the signal ends the worker as before. torch's
    workers also exit by themselves when the main process dies. Picklable, for the spawn start method.
    """

    def __init__(self, wrapped: Optional[Callable[[int], None]] = None, signals: Sequence[str] = STOP_SIGNALS,
                 main_done=None):
        self.wrapped = wrapped
        self.signals = tuple(signals)
        self.main_done = main_done

    def __call__(self, worker_id: int) -> None:
        handler = partial(_on_stop_signal, self.main_done)
        for name in self.signals:
            signal.signal(getattr(signal, name), handler)
        if self.wrapped is not None:
            self.wrapped(worker_id)


def leave_stop_signals_to_main_process(loader: DataLoader) -> DataLoader:
    """Chain :class:`LeaveStopSignalsToMainProcess` in front of ``loader``'s ``worker_init_fn`` (before its
    workers start; once is enough)."""
    if isinstance(loader, DataLoader) and loader.num_workers > 0 and \
            not isinstance(loader.worker_init_fn, LeaveStopSignalsToMainProcess):
        context = loader.multiprocessing_context or multiprocessing.get_context()
        loader.worker_init_fn = LeaveStopSignalsToMainProcess(loader.worker_init_fn,
                                                              main_done=_main_done_event(context))
    return loader


@RUNNERS.register_module()
class MMExtRunner(Runner):
    """``mmengine.runner.Runner`` (same arguments and config) with two additions for GPU clusters:

    * every data loader it builds has workers that leave SIGTERM / SIGUSR1 to the main process while it trains
      or tests (:class:`LeaveStopSignalsToMainProcess`, chained with mmengine's seeding ``worker_init_fn`` or the
      config's own), so a job whose whole process group is signalled still saves its checkpoint;
    * a config that declares :class:`~mmext.engine.hooks.ChannelsLastHook` gets its model converted to
      channels_last before the model is wrapped in DistributedDataParallel (DDP lays out its gradient buckets
      like the parameters it is given).

    ``tools/train.py`` and ``tools/test.py`` build it for every config (``runner_type`` in the config chooses
    another), and ``configs/_base_/default_runtime.py`` names it, so mmseg's own tools use it too.
    """

    @staticmethod
    def build_dataloader(dataloader: Union[DataLoader, Dict], seed: Optional[int] = None,
                         diff_rank_seed: bool = False) -> DataLoader:
        loader = Runner.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
        return leave_stop_signals_to_main_process(loader)

    def train(self):
        try:
            return super().train()
        finally:
            loader_workers_may_stop()

    def val(self):
        try:
            return super().val()
        finally:
            loader_workers_may_stop()

    def test(self):
        try:
            return super().test()
        finally:
            loader_workers_may_stop()

    def wrap_model(self, model_wrapper_cfg: Optional[Dict], model):
        if not is_model_wrapper(model) and channels_last_declared(self.cfg):
            to_channels_last(model)
        return super().wrap_model(model_wrapper_cfg, model)
