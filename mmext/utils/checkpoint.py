# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Let torch >= 2.6 load mmengine checkpoints with ``weights_only=True``.

torch 2.6 made ``weights_only=True`` the default of ``torch.load``, and mmengine 0.10.7 calls
``torch.load`` without the argument, so ``--resume`` fails on mmengine's own checkpoints. Two things in
them are not plain data:

* the message hub's ``HistoryBuffer`` objects, which mmengine pickles together with bound methods -- that
  would need ``builtins.getattr`` allow-listed, which is far too broad. Instead they are pickled here
  through a dedicated rebuild function of their data: two lists of numbers and an int. Not tensors: mmengine
  resumes with ``map_location`` = the GPU, which would put tensors on the GPU, where ``.numpy()`` fails;
  plain numbers stay where they are (checkpoints written with tensors still load, from any device);
* numpy arrays and scalars (e.g. in ``meta``), whose exact reconstruction types are allow-listed.

Checkpoints saved before this module was imported (by plain mmengine) still carry the bound methods
and keep failing with torch's error message; re-save them with ``weights_only=False`` once if trusted.
"""

import copyreg
from typing import Sequence, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _as_array(values: Union[Sequence, torch.Tensor], dtype) -> np.ndarray:
    if isinstance(values, torch.Tensor):  # the format of earlier checkpoints
        if values.is_meta:
            raise ValueError(
                'a message hub history was loaded onto the meta device and holds no data; load the '
                'checkpoint with map_location=cpu (or a real device)'
            )
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=dtype)


def rebuild_history_buffer(
    log_history: Union[Sequence[float], torch.Tensor],
    count_history: Union[Sequence[int], torch.Tensor],
    max_length: int,
) -> HistoryBuffer:
    """Inverse of :func:`_reduce_history_buffer`; also takes the tensors (on any device) of earlier checkpoints."""
    return HistoryBuffer(_as_array(log_history, np.float64), _as_array(count_history, np.int64), max_length)


def _reduce_history_buffer(buffer: HistoryBuffer):
    log_history = np.asarray(buffer._log_history, dtype=np.float64).tolist()  # float64 -> float: exact
    count_history = np.asarray(buffer._count_history, dtype=np.int64).tolist()
    return rebuild_history_buffer, (log_history, count_history, int(buffer.max_length))


def _numpy_globals() -> list:
    dtype_classes = [
        type(np.dtype(t))
        for t in (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_)
    ]
    return [np.core.multiarray._reconstruct, np.core.multiarray.scalar, np.ndarray, np.dtype, *dtype_classes]


def register_checkpoint_safe_globals() -> None:
    """Pickle HistoryBuffer by value and allow-list what mmengine checkpoints contain (idempotent)."""
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    torch.serialization.add_safe_globals([rebuild_history_buffer, *_numpy_globals()])
