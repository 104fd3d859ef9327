# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Checks of image files and loaded samples that mmcv's and mmseg's loaders do not make.

mmcv decodes a truncated JPEG without an error (the missing rows come out grey, OpenCV only prints a warning),
mmseg's ``LoadAnnotations`` casts a 16-bit label PNG to uint8 (values above 255 wrap around) and neither
compares the label map with the photo or the label values with the classes. A corrupt file would then train
silently or crash deep inside a loss at some later iteration. These checks turn each such file into a
:class:`DatasetError` that names the file and the problem, at the moment the sample is loaded.
"""

import struct
from typing import Optional, Tuple

import numpy as np

from .errors import DatasetError

JPEG_SOI = b'\xff\xd8'
JPEG_SOS = b'\xff\xda'
JPEG_EOI = b'\xff\xd9'
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
PNG_IEND = b'IEND\xaeB`\x82'  # the IEND chunk type and its fixed CRC
PNG_COLOUR_TYPES = {0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey + alpha', 6: 'RGBA'}


def read_file(path: str, what: str = 'file') -> bytes:
    """The bytes of ``path``; DatasetError when it is missing or cannot be read."""
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        raise DatasetError(path, f'{what} is missing') from None
    except OSError as error:  # permission denied, a folder, an I/O error
        raise DatasetError(path, f'{what} cannot be read ({error.strerror or error})') from None


def image_bytes_problem(data: bytes) -> Optional[str]:
    """What is wrong with the encoded image ``data`` that a decoder may not report, or None.

    JPEG: the end-of-image marker must follow the last start-of-scan marker (a truncated file stops inside the
    scan data; an EXIF thumbnail's own markers come before the main scan). PNG: the file must end with the IEND
    chunk. Other formats are left to the decoder.
    """
    if not data:
        return 'empty file (0 bytes)'
    if data.startswith(JPEG_SOI):
        last_scan = data.rfind(JPEG_SOS)
        if last_scan < 0:
            return f'truncated JPEG ({len(data)} bytes, ends before the image data)'
        if data.find(JPEG_EOI, last_scan + 2) < 0:
            return f'truncated JPEG ({len(data)} bytes, no end-of-image marker after the image data)'
        return None
    if data.startswith(PNG_SIGNATURE):
        if PNG_IEND not in data[-64:]:
            return f'truncated PNG ({len(data)} bytes, no IEND chunk at the end)'
        return None
    return None


def png_header(data: bytes) -> Optional[Tuple[int, int, int, int]]:
    """(height, width, bit depth, colour type) of PNG bytes, or None when ``data`` is not a PNG."""
    if not data.startswith(PNG_SIGNATURE) or len(data) < 26 or data[12:16] != b'IHDR':
        return None
    width, height = struct.unpack('>II', data[16:24])
    return height, width, data[24], data[25]


def check_image_file(path: str, what: str = 'image') -> bytes:
    """Read ``path`` and return its bytes; DatasetError when it is missing, unreadable, empty or truncated."""
    data = read_file(path, what)
    problem = image_bytes_problem(data)
    if problem:
        raise DatasetError(path, problem)
    return data


def check_label_file(path: str) -> None:
    """A label map must be a complete image file and, when it is a PNG, hold at most 8 bits per pixel
    (mmseg casts the decoded map to uint8: a 16-bit value 300 would silently become 44)."""
    header = png_header(check_image_file(path, 'label map'))
    if header is not None and header[2] > 8:
        raise DatasetError(
            path,
            f'{header[2]}-bit {PNG_COLOUR_TYPES.get(header[3], "?")} PNG; label maps must be '
            '8-bit (values above 255 would wrap around when loaded)',
        )


def check_label_map(
    label: np.ndarray, path: str, image_hw: Tuple[int, int], num_classes: int, ignore_index: int
) -> None:
    """``label`` (after mmseg's ``label_map`` / ``reduce_zero_label``) must be one value per pixel, the size of the
    photo, with values in ``0 .. num_classes - 1`` or ``ignore_index``.

    Raises:
        DatasetError: naming ``path`` and the first problem found.
    """
    if label.ndim != 2:
        raise DatasetError(
            path, f'label map has shape {label.shape}; expected one label value per pixel (H x W), not a colour image'
        )
    if label.shape != tuple(image_hw):
        raise DatasetError(
            path,
            f'label map is {label.shape[0]} x {label.shape[1]} (H x W) but the photo is {image_hw[0]} x {image_hw[1]}',
        )
    if label.dtype == np.uint8:
        present = np.flatnonzero(np.bincount(label.ravel(), minlength=256))  # much faster than np.unique
    else:
        present = np.unique(label)
    outside = [int(v) for v in present if not 0 <= v < num_classes and v != ignore_index]
    if outside:
        shown = ', '.join(map(str, outside[:10])) + (' ...' if len(outside) > 10 else '')
        raise DatasetError(
            path, f'label value(s) {shown} outside the classes 0..{num_classes - 1} (ignore index {ignore_index})'
        )


def check_decoded_image(image, path: str) -> None:
    """A decoded photo must be a non-empty H x W or H x W x C array."""
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or 0 in image.shape:
        raise DatasetError(path, f'decoded to {getattr(image, "shape", type(image).__name__)}, not an image')
