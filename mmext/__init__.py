"""mmext: pose-aware clothing and person segmentation plugins for OpenMMLab.

Importing the package registers every module in mmsegmentation's registries; configs load it with
``custom_imports = dict(imports=['mmext'], allow_failed_imports=False)``.
"""
from .compat import install_mmcv_ops_fallback

# Must run before anything imports mmseg.models / mmpose.models / mmdet.models.
install_mmcv_ops_fallback()

from .utils.checkpoint import register_checkpoint_safe_globals  # noqa: E402

register_checkpoint_safe_globals()

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401  (registers modules)

__version__ = '0.1.0'
