from .dresscode import DressCodeDataset
from .errors import DatasetError
from .keypoints import load_dresscode_keypoints
from .transforms import *  # noqa: F401,F403

__all__ = ['DatasetError', 'DressCodeDataset', 'load_dresscode_keypoints']
