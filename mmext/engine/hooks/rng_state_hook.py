"""Save the random number generators' state in checkpoints and restore it on ``--resume``.

mmengine 0.10.7 saves the model, optimizer, schedulers and message hub, and on resume re-seeds the
generators with the run's *initial* seed, then replays the data loader up to the resumed iteration. The
generators then stand where they stood after loading ``k`` batches from the start -- not where the
interrupted run had them after ``k`` iterations (dropout, drop-path and, with ``num_workers=0``, the random
augmentations all draw from them). A resumed run therefore trains on other random numbers than an
uninterrupted one. This hook closes that gap.
"""
import random
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmseg.registry import HOOKS

CHECKPOINT_KEY = 'rng_states'


def capture_rng_state() -> Dict[str, Any]:
    """The state of Python's, NumPy's and torch's global generators, as types ``torch.load`` accepts with
    ``weights_only=True`` (tuples, ints, floats, strings, tensors)."""
    name, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached_gaussian)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached_gaussian = state['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached_gaussian))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def _saves_after_this_iter(hook: Hook, runner) -> bool:
    """Whether ``hook`` is an iteration-based CheckpointHook that saves after the current iteration (its own
    rule in mmengine 0.10.7: every ``interval`` iterations from ``save_begin``, and the last one)."""
    if not isinstance(hook, CheckpointHook) or hook.by_epoch:
        return False
    return bool(hook.every_n_train_iters(runner, hook.interval, hook.save_begin)
                or (hook.save_last and hook.is_last_train_iter(runner)))


class _RestoreAfterReplay:
    """Wraps the train loop's data iterator: after the loop has replayed the ``skip`` batches that the
    interrupted run had already trained on, put the generators back to the checkpoint's state."""

    def __init__(self, iterator, skip: int, state: Dict[str, Any]):
        self._iterator = iterator
        self._skip = skip
        self._state: Optional[Dict[str, Any]] = state

    def __iter__(self):
        return self

    def __next__(self):
        if self._skip == 0 and self._state is not None:
            restore_rng_state(self._state)
            self._state = None
        self._skip -= 1
        return next(self._iterator)

    def __getattr__(self, name: str):
        return getattr(self._iterator, name)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make ``--resume`` continue with the random numbers the interrupted run would have drawn.

    Every checkpoint gets ``rng_states``: one entry per rank with the Python, NumPy, torch (and CUDA)
    generator states. Only rank 0 saves (``Runner.save_checkpoint`` is master-only), so when distributed the
    states are gathered from all ranks in ``after_train_iter`` of each iteration that a ``CheckpointHook``
    will save (epoch-based checkpoints and ``best_*`` ones hold rank 0's state only). On resume each rank
    restores its own entry right after the train loop has replayed the data loader to the resumed iteration
    (the replay reproduces the sampler's position and the workers' generators; the restore undoes what the
    replay drew in the main process).
    Resuming with another number of processes keeps mmengine's behaviour and says so.

    With a fixed ``randomness.seed`` (and the same ``num_workers``) the resumed run then trains on the
    same samples, augmentations and dropout masks as an uninterrupted one.
    """
    # after_train_iter before CheckpointHook's (VERY_LOW): the gather must precede the master-only save.
    priority = 'LOW'

    def __init__(self):
        self._loaded: Optional[List[Dict[str, Any]]] = None
        self._gathered: Optional[Tuple[int, List[Dict[str, Any]]]] = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs: Optional[dict] = None) -> None:
        if get_world_size() > 1 and any(_saves_after_this_iter(hook, runner) for hook in runner.hooks):
            # A collective: every rank takes the same decision from the same hook settings and iteration.
            self._gathered = (runner.iter, all_gather_object(capture_rng_state()))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._gathered is not None and self._gathered[0] == runner.iter:
            checkpoint[CHECKPOINT_KEY] = self._gathered[1]
        else:
            checkpoint[CHECKPOINT_KEY] = [capture_rng_state()]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get(CHECKPOINT_KEY)

    def before_train_epoch(self, runner) -> None:
        states, self._loaded = self._loaded, None
        if runner.iter == 0 or states is None:
            return  # a fresh run, a fine-tuning start (load_from) or a checkpoint without generator states
        if len(states) != get_world_size():
            runner.logger.warning(f'RNGStateHook: the checkpoint holds the generator states of {len(states)} '
                                  f'processes, this run has {get_world_size()}; the states are not restored')
            return
        loop = runner.train_loop
        if not hasattr(loop, 'dataloader_iterator'):
            # Epoch-based loops re-create their iterator each epoch; restore at once.
            restore_rng_state(states[get_rank()])
        else:
            loop.dataloader_iterator = _RestoreAfterReplay(loop.dataloader_iterator, runner.iter,
                                                           states[get_rank()])
        runner.logger.info(f'RNGStateHook: restoring the random generator states of iteration {runner.iter}')
