#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Print the versions of the stack and whether mmcv has its compiled ops (run after installing)."""

import argparse
import platform


def compiled_ops_kind(compiled: bool) -> str:
    """'none', 'CPU only' or 'CUDA <version>': what mmcv's compiled ops were built with."""
    if not compiled:
        return 'none'
    from mmcv.ops import get_compiling_cuda_version

    cuda = get_compiling_cuda_version()
    return 'CPU only' if cuda in ('not available', '', None) else f'CUDA {cuda}'


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    import mmcv
    import mmdet
    import mmengine
    import mmpose
    import mmseg
    import timm
    import torch
    import torchvision

    import mmext
    from mmext.compat import has_compiled_mmcv_ops, is_fallback_installed

    rows = [
        ('Python', platform.python_version()),
        ('torch', f'{torch.__version__} (CUDA available: {torch.cuda.is_available()})'),
        ('torchvision', torchvision.__version__),
        ('mmengine', mmengine.__version__),
        (
            'mmcv',
            f'{mmcv.__version__} (compiled ops: {compiled_ops_kind(has_compiled_mmcv_ops())}; '
            f'mmext.compat stand-in: {is_fallback_installed()})',
        ),
        ('mmsegmentation', mmseg.__version__),
        ('mmpose', mmpose.__version__),
        ('mmdet', mmdet.__version__),
        ('timm', timm.__version__),
        ('mmext', mmext.__version__),
    ]
    import mmdet.models  # noqa: F401  (these imports fail without mmext.compat on mmcv-lite)
    import mmpose.models  # noqa: F401
    import mmseg.models  # noqa: F401

    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f'{name:<{width}}  {value}')


if __name__ == '__main__':
    main()
