# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Where precomputed depth maps live, how they are encoded, and how they are written safely.

Path rule (one rule for every layout): a photo's depth map has the photo's path relative to the data
root with the image folder component replaced by ``depth`` and the extension by ``.png``:

===============  ===================================  ======================================
layout           photo                                depth map
===============  ===================================  ======================================
dresscode        ``<category>/images/012345_0.jpg``   ``<category>/depth/012345_0.png``
easyportrait     ``images/train/<name>.jpg``          ``depth/train/<name>.png``
ccp              ``photos/0001.jpg``                  ``depth/0001.png``
people_clothing  ``png_images/IMAGES/img_0001.png``   ``depth/IMAGES/img_0001.png``
folder           ``images/<any>/<name>.<jpg|png>``    ``depth/<any>/<name>.png``
===============  ===================================  ======================================

Encoding: relative inverse depth (larger = nearer, the MiDaS convention) min-max scaled per image to the
full 16-bit range. MiDaS depth has no absolute scale or shift, so nothing is lost; ``LoadDepthMap``
normalises per image again when reading.
"""

import glob
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from mmext.utils.atomic_io import atomic_write_image

DEPTH_DIR = 'depth'


@dataclass(frozen=True)
class PhotoLayout:
    """A data set layout: the name of its image folder and glob patterns (relative to the root) of photos."""

    img_dir: str
    patterns: Tuple[str, ...]


LAYOUTS = {
    'dresscode': PhotoLayout('images', ('*/images/*_0.jpg', 'images/*_0.jpg')),
    'easyportrait': PhotoLayout('images', ('images/*/*.jpg',)),
    'ccp': PhotoLayout('photos', ('photos/*.jpg', 'photos/*.png')),
    'people_clothing': PhotoLayout('png_images', ('png_images/IMAGES/*.png',)),
    'folder': PhotoLayout('images', ('images/**/*.jpg', 'images/**/*.jpeg', 'images/**/*.png')),
}


def derived_path_for(photo: str, data_root: str, img_dir: str, folder: str, suffix: str) -> str:
    """The path of a per-photo file (depth map, keypoints, skeleton image) by the rule of this module: the
    photo's path under ``data_root`` with its ``img_dir`` component replaced by ``folder`` and its extension
    by ``suffix``."""
    parts = osp.relpath(photo, data_root).split(os.sep)
    if img_dir not in parts[:-1]:
        raise ValueError(
            f'{photo}: no folder named {img_dir!r} between the data root {data_root} and the file, '
            f'so the {folder} path rule does not apply'
        )
    parts[parts.index(img_dir)] = folder
    parts[-1] = osp.splitext(parts[-1])[0] + suffix
    return osp.join(data_root, *parts)


def depth_path_for(photo: str, data_root: str, img_dir: str) -> str:
    """The depth map path of ``photo`` under ``data_root`` by the rule of this module."""
    return derived_path_for(photo, data_root, img_dir, DEPTH_DIR, '.png')


def find_photos(data_root: str, layout: str) -> List[str]:
    """Sorted photo paths of ``layout`` under ``data_root``."""
    spec = LAYOUTS[layout]
    photos = set()
    for pattern in spec.patterns:
        photos.update(glob.glob(osp.join(data_root, pattern), recursive=True))
    return sorted(photos)


def detect_layout(data_root: str) -> str:
    """The first layout (in the order of ``LAYOUTS``) that finds photos under ``data_root``."""
    for name in LAYOUTS:
        if find_photos(data_root, name):
            return name
    raise FileNotFoundError(
        f'{data_root}: no photos of any known layout ({", ".join(f"{k}: {v.patterns}" for k, v in LAYOUTS.items())})'
    )


def encode_inverse_depth(depth: np.ndarray) -> np.ndarray:
    """Float (H, W) inverse depth -> uint16, min-max scaled per image (a constant map becomes 0)."""
    if depth.ndim != 2:
        raise ValueError(f'expected an (H, W) depth map, got shape {depth.shape}')
    if not np.isfinite(depth).all():
        raise ValueError('depth map has non-finite values')
    depth = depth.astype(np.float64)
    low, high = depth.min(), depth.max()
    if high <= low:
        return np.zeros(depth.shape, np.uint16)
    return np.round((depth - low) / (high - low) * 65535).astype(np.uint16)


def write_png_atomic(path: str, image: np.ndarray) -> None:
    """Write a PNG so that ``path`` is either absent or complete, even if the process is killed."""
    atomic_write_image(path, image, ext='.png')


def remove_stale_temporaries(path: str) -> int:
    """Delete temporary files that a killed writer of ``path`` left behind; return how many."""
    folder, name = osp.split(path)
    stale = glob.glob(osp.join(glob.escape(folder), f'.{glob.escape(name)}.*.tmp'))
    for file in stale:
        os.remove(file)
    return len(stale)
