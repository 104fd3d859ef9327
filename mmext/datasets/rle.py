# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Run-length encoding of binary masks as iMaterialist (Fashion) 2019 writes it in ``EncodedPixels``.

The text is whitespace separated integers taken in pairs ``start length``: ``start`` is the 1-based index of
the first pixel of a run and ``length`` the number of pixels in it. Pixels are numbered column-major: down the
first column (top to bottom), then down the second, and so on, over an H x W image, so the pixel at
``(row, col)`` has index ``col * H + row + 1``. Example, H = 4, W = 3: ``"1 2"`` sets ``(0, 0)`` and ``(1, 0)``;
``"4 2"`` sets ``(3, 0)`` and ``(0, 1)`` (a run continues at the top of the next column).
"""

import numpy as np


def parse_rle(encoded: str, height: int, width: int) -> np.ndarray:
    """The runs of ``encoded`` as an (N, 2) int64 array of (0-based start, length), checked.

    Raises:
        ValueError: a value that is not an integer, an odd number of values, a start below 1, a length below
            1, a run that ends after pixel ``height * width``, or a size that is not positive.
    """
    if int(height) != height or int(width) != width or height < 1 or width < 1:
        raise ValueError(f'image size must be positive integers, got {height} x {width} (H x W)')
    tokens = encoded.split()
    if len(tokens) % 2:
        raise ValueError(f'an odd number of values ({len(tokens)}): runs are pairs of start and length')
    try:
        values = np.array(tokens, dtype=np.int64).reshape(-1, 2)
    except (ValueError, OverflowError):
        for token in tokens:
            try:
                number = int(token)
            except ValueError:
                raise ValueError(f'{token!r} is not an integer') from None
            if abs(number) >= 2**62:
                raise ValueError(f'{token} is out of range') from None
        raise
    starts, lengths = values[:, 0], values[:, 1]
    size = int(height) * int(width)
    problems = []
    if (starts < 1).any():
        problems.append(f'start {int(starts[starts < 1][0])} is below 1 (starts are 1-based)')
    if (lengths < 1).any():
        problems.append(f'length {int(lengths[lengths < 1][0])} is below 1')
    ends = starts + lengths - 1
    if (ends > size).any():
        i = int(np.argmax(ends > size))
        problems.append(
            f'run {int(starts[i])} {int(lengths[i])} ends at pixel {int(ends[i])}, after the last '
            f'pixel {size} of a {height} x {width} (H x W) image'
        )
    if problems:
        raise ValueError('; '.join(problems))
    values[:, 0] -= 1
    return values


def decode_rle(encoded: str, height: int, width: int) -> np.ndarray:
    """The boolean (height, width) mask of the column-major, 1-based run-length text ``encoded``.

    Runs may come in any order and may overlap (their union is returned). An empty text is an empty mask.
    Raises ``ValueError`` for malformed text (see :func:`parse_rle`).
    """
    runs = parse_rle(encoded, height, width)
    size = int(height) * int(width)
    # +1 where a run starts, -1 after it ends; a pixel is set where the running sum is positive.
    delta = np.zeros(size + 1, dtype=np.int32)
    np.add.at(delta, runs[:, 0], 1)
    np.add.at(delta, runs[:, 0] + runs[:, 1], -1)
    flat = np.cumsum(delta[:-1]) > 0
    return flat.reshape((int(height), int(width)), order='F')


def encode_rle(mask: np.ndarray) -> str:
    """The run-length text of a 2-D mask (non-zero = set) in the format :func:`decode_rle` reads.

    Runs are maximal and in increasing order; an empty mask gives ``''``.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'expected a 2-D mask, got shape {mask.shape}')
    flat = np.concatenate([[False], mask.ravel(order='F') != 0, [False]])
    changes = np.flatnonzero(flat[1:] != flat[:-1])
    starts, ends = changes[0::2], changes[1::2]  # 0-based start, exclusive end
    return ' '.join(f'{start + 1} {end - start}' for start, end in zip(starts.tolist(), ends.tolist()))
