# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Limits on the photos a tool accepts: upload bytes and decoded pixels, checked before decoding.

A 770 KB PNG can hold 16000 x 16000 pixels: decoding and segmenting it takes minutes and gigabytes. The
image header (PNG, JPEG, WebP, BMP, TIFF, ...) gives the size without decoding the pixels (Pillow reads only
the header when an image is opened), so an oversized photo is refused at once with what the limit is.
"""

import io
import threading
from typing import Tuple, Union

MAX_UPLOAD_BYTES = 25 * 2**20
MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000; a 6000 x 4000 camera photo (24 MP) passes
# Pillow's bomb check is a process-wide setting: concurrent checks (web demo uploads) must not interleave the
# switch-off and the restore, or the check could be left switched off for everyone.
_PILLOW_LIMIT_LOCK = threading.Lock()


class ImageTooLarge(ValueError):
    """A photo beyond the limits; ``status`` is the HTTP status to answer with (413 bytes, 400 pixels)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def check_image_size(
    source: Union[bytes, str], max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_UPLOAD_BYTES
) -> Tuple[int, int]:
    """(H, W) of an encoded image (bytes or a path), read from its header; raises :class:`ImageTooLarge` beyond
    ``max_bytes`` or ``max_pixels``. An unreadable header passes (the decoder then reports the problem)."""
    from PIL import Image

    if isinstance(source, bytes):
        if len(source) > max_bytes:
            raise ImageTooLarge(
                f'the file is {len(source) / 2**20:.1f} MB; at most {max_bytes / 2**20:.0f} MB are accepted', status=413
            )
        stream = io.BytesIO(source)
    else:
        stream = source
    with _PILLOW_LIMIT_LOCK:
        guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # our limit decides, not Pillow's bomb check
        try:
            with Image.open(stream) as image:
                width, height = image.size
        except Exception:  # not an image Pillow knows: leave the verdict to the decoder
            return (0, 0)
        finally:
            Image.MAX_IMAGE_PIXELS = guard
    if width * height > max_pixels:
        raise ImageTooLarge(
            f'the image is {width} x {height} pixels ({width * height / 1e6:.3g} MP); at most '
            f'{max_pixels / 1e6:.3g} MP are accepted: downscale it first',
            status=400,
        )
    return height, width
