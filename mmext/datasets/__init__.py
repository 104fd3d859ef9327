# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .clothing import CCPDataset, EasyPortraitDataset, ImageMaskFolderDataset
from .dresscode import DressCodeDataset
from .errors import DatasetError
from .imaterialist import IMaterialistDataset
from .keypoints import load_dresscode_keypoints
from .transforms import *  # noqa: F401,F403

__all__ = [
    'CCPDataset',
    'DatasetError',
    'DressCodeDataset',
    'EasyPortraitDataset',
    'IMaterialistDataset',
    'ImageMaskFolderDataset',
    'load_dresscode_keypoints',
]
