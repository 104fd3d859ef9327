# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
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
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from .preemption_checkpoint_hook import saves_after_train_iter

CHECKPOINT_KEY = 'rng_states'


def capture_rng_state() -> Dict[str, Any]:
    """The state of Python's, NumPy's and torch's global generators (and, where CUDA is in use, the generator
    of the current CUDA device), as plain Python data: ints, floats, strings, bytes and tuples / lists of them.

    No tensors, so ``torch.load``'s ``map_location`` (the GPU, when mmengine resumes on one) cannot move them
    off the CPU, and ``weights_only=True`` loads them. Only the current device's CUDA generator is kept: each
    process of a distributed run draws from its own device's generator, and the other devices' generators of
    that process are unused (their states would also be restored onto the wrong devices where a resumed process
    sees other device numbers)."""
    name, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(name, [int(k) for k in keys], int(pos), int(has_gauss), float(cached_gaussian)),
        torch=torch.get_rng_state().numpy().tobytes(),
    )
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state().numpy().tobytes()  # the current device's generator
    return state


def _byte_state(value: Any, what: str) -> torch.Tensor:
    """A generator state as the CPU ByteTensor that torch's ``set_rng_state`` functions require."""
    if isinstance(value, (bytes, bytearray)):
        return torch.frombuffer(bytearray(value), dtype=torch.uint8)
    if isinstance(value, torch.Tensor):  # checkpoints written before the states were stored as bytes
        if value.is_meta:
            raise ValueError(
                f'{what} is a tensor without data (device meta); load the checkpoint with '
                f'map_location=cpu (or a real device)'
            )
        return value.detach().to('cpu', torch.uint8).contiguous()
    raise TypeError(f'{what}: expected bytes or a tensor, got {type(value).__name__}')


def _current_cuda_state(value: Any) -> Optional[torch.Tensor]:
    """This process's CUDA generator state from a checkpoint entry: the current device's state (bytes), or,
    from checkpoints that stored a list of every visible device's state, the entry of the current device."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):  # the older format: get_rng_state_all() of the saving process
        device = torch.cuda.current_device() if torch.cuda.is_available() else 0
        if device >= len(value):
            return None
        value = value[device]
    return _byte_state(value, 'rng_states[...].cuda')


def normalise_rng_state(state: Dict[str, Any]) -> Dict[str, Any]:
    """Check a checkpoint's generator state and bring it into the form :func:`restore_rng_state` applies:
    CPU tensors and NumPy arrays, whatever device ``map_location`` put the tensors of older checkpoints on.
    Idempotent.

    Raises:
        ValueError, TypeError, KeyError: the state is incomplete or holds no data (e.g. loaded onto ``meta``).
    """
    version, internal, gauss = state['python']
    name, keys, pos, has_gauss, cached_gaussian = state['numpy']
    if isinstance(keys, torch.Tensor):  # older checkpoints: an int64 tensor
        if keys.is_meta:
            raise ValueError(
                'rng_states[...].numpy is a tensor without data (device meta); load the checkpoint '
                'with map_location=cpu (or a real device)'
            )
        keys = keys.detach().cpu().numpy()
    normalised = dict(
        python=(version, tuple(int(i) for i in internal), gauss),
        numpy=(
            name,
            np.asarray(keys, dtype=np.int64).astype(np.uint32),
            int(pos),
            int(has_gauss),
            float(cached_gaussian),
        ),
        torch=_byte_state(state['torch'], 'rng_states[...].torch'),
    )
    if 'cuda' in state:
        normalised['cuda'] = _current_cuda_state(state['cuda'])
    return normalised


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng_state`; also takes the older format (tensors, on any device that holds
    data, and the list of every device's CUDA state). The CUDA state goes to the current device only."""
    state = normalise_rng_state(state)
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if state.get('cuda') is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(state['cuda'])


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

    Every checkpoint gets ``rng_states``: one entry per rank with the Python, NumPy, torch (and the current CUDA
    device's) generator states, as plain data (:func:`capture_rng_state`). Only rank 0 saves
    (``Runner.save_checkpoint`` is master-only), so when distributed the states are gathered from all ranks in
    ``after_train_iter`` of each iteration after which a ``CheckpointHook`` saves (its schedule, or training
    stopping: :func:`~mmext.engine.hooks.saves_after_train_iter`; epoch-based checkpoints and ``best_*`` ones
    hold rank 0's state only). On resume each rank
    restores its own entry right after the train loop has replayed the data loader to the resumed iteration
    (the replay reproduces the sampler's position and the workers' generators; the restore undoes what the
    replay drew in the main process). The entry is checked when the checkpoint is loaded, so a state that
    cannot be restored stops the run then, not after the replay.
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
        if get_world_size() > 1 and any(saves_after_train_iter(hook, runner) for hook in runner.hooks):
            # A collective: every rank takes the same decision from the same hook settings and iteration.
            self._gathered = (runner.iter, all_gather_object(capture_rng_state()))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._gathered is not None and self._gathered[0] == runner.iter:
            checkpoint[CHECKPOINT_KEY] = self._gathered[1]
        else:
            checkpoint[CHECKPOINT_KEY] = [capture_rng_state()]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Checked and moved to the CPU now, when the checkpoint is loaded: not after the data loader replay.
        states = checkpoint.get(CHECKPOINT_KEY)
        if states is not None and len(states) == get_world_size():
            try:
                states = list(states)
                states[get_rank()] = normalise_rng_state(states[get_rank()])
            except (KeyError, TypeError, ValueError) as error:
                raise RuntimeError(
                    f'RNGStateHook: the generator states in the checkpoint cannot be restored: '
                    f'{type(error).__name__}: {error}. Resume without them with --cfg-options '
                    f'default_hooks.rng_state=None'
                ) from error
        self._loaded = states

    def before_train_epoch(self, runner) -> None:
        states, self._loaded = self._loaded, None
        if runner.iter == 0 or states is None:
            return  # a fresh run, a fine-tuning start (load_from) or a checkpoint without generator states
        if len(states) != get_world_size():
            runner.logger.warning(
                f'RNGStateHook: the checkpoint holds the generator states of {len(states)} '
                f'processes, this run has {get_world_size()}; the states are not restored'
            )
            return
        loop = runner.train_loop
        if not hasattr(loop, 'dataloader_iterator'):
            # Epoch-based loops re-create their iterator each epoch; restore at once.
            restore_rng_state(states[get_rank()])
        else:
            loop.dataloader_iterator = _RestoreAfterReplay(loop.dataloader_iterator, runner.iter, states[get_rank()])
        runner.logger.info(f'RNGStateHook: restoring the random generator states of iteration {runner.iter}')
