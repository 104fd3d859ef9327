"""Let torch >= 2.6 load mmengine checkpoints with ``weights_only=True``.

torch 2.6 made ``weights_only=True`` the default of ``torch.load``, and mmengine 0.10.7 calls
``torch.load`` without the argument, so ``--resume`` fails on mmengine's own checkpoints. Two things in
them are not plain data:

* the message hub's ``HistoryBuffer`` objects, which mmengine pickles together with bound methods -- that
  would need ``builtins.getattr`` allow-listed, which is far too broad. Instead they are pickled here
  through a dedicated rebuild function of their data (two tensors and an int);
* numpy arrays and scalars (e.g. in ``meta``), whose exact reconstruction types are allow-listed.

Checkpoints saved before this module was imported (by plain mmengine) still carry the bound methods
and keep failing with torch's error message; re-save them with ``weights_only=False`` once if trusted.
"""
import copyreg

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def rebuild_history_buffer(log_history: torch.Tensor, count_history: torch.Tensor,
                           max_length: int) -> HistoryBuffer:
    """Inverse of :func:`_reduce_history_buffer`."""
    return HistoryBuffer(log_history.numpy(), count_history.numpy(), max_length)


def _reduce_history_buffer(buffer: HistoryBuffer):
    log_history = torch.from_numpy(np.asarray(buffer._log_history, dtype=np.float64))
    count_history = torch.from_numpy(np.asarray(buffer._count_history, dtype=np.int64))
    return rebuild_history_buffer, (log_history, count_history, int(buffer.max_length))


def _numpy_globals() -> list:
    dtype_classes = [type(np.dtype(t)) for t in (np.float16, np.float32, np.float64, np.int8, np.int16,
                                                  np.int32, np.int64, np.uint8, np.bool_)]
    return [np.core.multiarray._reconstruct, np.core.multiarray.scalar, np.ndarray, np.dtype, *dtype_classes]


def register_checkpoint_safe_globals() -> None:
    """Pickle HistoryBuffer by value and allow-list what mmengine checkpoints contain (idempotent)."""
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    torch.serialization.add_safe_globals([rebuild_history_buffer, *_numpy_globals()])
