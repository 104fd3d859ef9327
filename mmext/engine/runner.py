"""mmengine's Runner with what a preemptible multi-GPU job needs from the two steps hooks cannot reach: building
the data loaders and wrapping the model."""
import signal
from typing import Callable, Dict, Optional, Sequence, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmseg.registry import RUNNERS
from torch.utils.data import DataLoader

from .hooks.channels_last_hook import channels_last_declared, to_channels_last
from .hooks.preemption_checkpoint_hook import STOP_SIGNALS


class LeaveStopSignalsToMainProcess:
    """A DataLoader ``worker_init_fn`` that makes the worker ignore the stop signals (SIGTERM, SIGUSR1), then
    runs the ``worker_init_fn`` it wraps (mmengine's seeding, or the config's own).

    torchrun stops its workers with ``os.killpg(..., SIGTERM)`` and Slurm signals every process of a job step,
    so loader workers get the signal too. A worker killed by it makes the main process raise "DataLoader worker
    ... killed by signal" before :class:`~mmext.engine.hooks.PreemptionCheckpointHook` can save. Ignoring the
    signal leaves the worker to the main process, which stops it when it stops training (and torch's workers
    exit by themselves when the main process dies). Picklable, for the spawn start method.
    """

    def __init__(self, wrapped: Optional[Callable[[int], None]] = None, signals: Sequence[str] = STOP_SIGNALS):
        self.wrapped = wrapped
        self.signals = tuple(signals)

    def __call__(self, worker_id: int) -> None:
        for name in self.signals:
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        if self.wrapped is not None:
            self.wrapped(worker_id)


def leave_stop_signals_to_main_process(loader: DataLoader) -> DataLoader:
    """Chain :class:`LeaveStopSignalsToMainProcess` in front of ``loader``'s ``worker_init_fn`` (before its
    workers start; once is enough)."""
    if isinstance(loader, DataLoader) and loader.num_workers > 0 and \
            not isinstance(loader.worker_init_fn, LeaveStopSignalsToMainProcess):
        loader.worker_init_fn = LeaveStopSignalsToMainProcess(loader.worker_init_fn)
    return loader


@RUNNERS.register_module()
class MMExtRunner(Runner):
    """``mmengine.runner.Runner`` (same arguments and config) with two additions for GPU clusters:

    * every data loader it builds has workers that leave SIGTERM / SIGUSR1 to the main process
      (:class:`LeaveStopSignalsToMainProcess`, chained with mmengine's seeding ``worker_init_fn`` or the
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

    def wrap_model(self, model_wrapper_cfg: Optional[Dict], model):
        if not is_model_wrapper(model) and channels_last_declared(self.cfg):
            to_channels_last(model)
        return super().wrap_model(model_wrapper_cfg, model)
