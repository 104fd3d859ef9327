# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Atomic file writes: a reader sees the old file or the complete new one, never a truncated file.

The data goes to a temporary file in the target's folder, is flushed and fsync'ed, and replaces the target
with ``os.replace`` (atomic on POSIX and Windows within one file system); the folder is fsync'ed too, so
that the rename survives a power cut. A process killed at any point leaves the previous file intact (plus,
at worst, a ``.<name>.<pid>.tmp`` file).
"""

import os
import os.path as osp
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


def atomic_write(path: Union[str, Path], data: Union[bytes, str], encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``path`` atomically (creating the folder if needed)."""
    path = str(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.tmp')
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        with open(tmp, 'wb') as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # An exception (not a kill) mid-write: leave no temporary file behind.
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. folders cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename itself is still atomic
    finally:
        os.close(fd)


@register_backend('local_atomic')
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` / ``put_text`` (``backend_args=dict(backend=
    'local_atomic')``); :class:`~mmext.engine.hooks.AtomicCheckpointHook` saves checkpoints through it."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(filepath, obj)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(filepath, obj, encoding=encoding)


def atomic_write_image(path: Union[str, Path], image, params=(), ext: str = None) -> None:
    """Encode ``image`` (OpenCV layout: BGR, or one channel) as ``ext`` (default: by the file's extension) and
    write it atomically."""
    import cv2

    ok, encoded = cv2.imencode(ext or osp.splitext(str(path))[1], image, list(params))
    if not ok:
        raise OSError(f'{path}: encoding failed for an array of {image.dtype} {image.shape}')
    atomic_write(path, encoded.tobytes())
