"""Let torch >= 2.6 load mmengine checkpoints with ``weights_only=True``.

torch 2.6 made ``weights_only=True`` the default of ``torch.load``; mmengine 0.10.7 calls ``torch.load``
without the argument, and its checkpoints hold a few non-tensor objects (the message hub's
``HistoryBuffer`` with numpy arrays, numpy scalars in ``meta``). Instead of turning the check off, the
exact types are allow-listed here.
"""
import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _numpy_globals() -> list:
    dtype_classes = [type(np.dtype(t)) for t in (np.float16, np.float32, np.float64, np.int8, np.int16,
                                                  np.int32, np.int64, np.uint8, np.bool_)]
    return [np.core.multiarray._reconstruct, np.core.multiarray.scalar, np.ndarray, np.dtype, *dtype_classes]


def register_checkpoint_safe_globals() -> None:
    """Allow-list the types that mmengine checkpoints contain (idempotent)."""
    torch.serialization.add_safe_globals([HistoryBuffer, *_numpy_globals()])
