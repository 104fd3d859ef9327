# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""mmext: pose-aware clothing and person segmentation plugins for OpenMMLab.

Importing the package registers every module in mmsegmentation's registries (the pose codecs in mmpose's),
adding entries only (tests/test_registration.py); configs load it with
``custom_imports = dict(imports=['mmext'], allow_failed_imports=False)``.
"""

from .compat import install_mmcv_ops_fallback

# On an mmcv built without compiled ops (only there), the mmcv.ops stand-in: the registration below imports
# mmseg.models, which imports mmcv.ops, and no code of this package can run before this file
# (docs/architecture.md, "What `import mmext` does").
install_mmcv_ops_fallback()

from .utils.checkpoint import register_checkpoint_safe_globals  # noqa: E402

register_checkpoint_safe_globals()

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401  (registers modules)

__version__ = '0.1.0'
