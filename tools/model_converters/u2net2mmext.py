#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Convert an official U^2-Net checkpoint (e.g. cloth-segmentation's cloth_segm_u2net_latest.pth) to mmext.

The official files are plain state dicts, saved from DistributedDataParallel in the cloth-segmentation
case (every key starts with 'module.'). mmext's U2Net keeps the official module names, so the conversion
takes the weights out of any wrapper, strips 'module.', casts half-precision tensors to float32, checks
that the keys and shapes are exactly those of U2Net (arch 'full' or 'small', input channels and classes
read from the file) and writes ``{'state_dict': {'backbone.<key>': ...}, 'meta': ...}``. The result loads
with ``load_from=DST`` into a segmentor built from configs/_base_/models/u2net_{full,small}.py (the
U2NetHead has no parameters), or with ``model.backbone.init_cfg=dict(type='Pretrained', checkpoint=DST)``,
under ``torch.load(weights_only=True)``.

The source is read with ``weights_only=False`` because official files may pickle arbitrary objects:
convert only files you trust.

Example:
    python tools/model_converters/u2net2mmext.py cloth_segm_u2net_latest.pth checkpoints/u2net_cloth.pth
"""

import argparse
import io
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Tuple

# torch and mmext are imported once the arguments are parsed (--help stays instant).

FIRST_CONV = 'stage1.rebnconvin.conv_s1.weight'
FUSED_CONV = 'outconv.weight'


def convert(state: 'OrderedDict') -> Tuple['OrderedDict', dict]:
    """Return the ``backbone.``-prefixed float32 state dict and the detected model settings.

    Raises ValueError when the keys or shapes are not exactly those of a U2Net preset.
    """
    import torch

    from mmext.models.backbones.u2net import ARCH_SETTINGS, U2Net

    if state and all(k.startswith('backbone.') for k in state):
        state = OrderedDict((k[len('backbone.') :], v) for k, v in state.items())  # already an mmext file
    if FIRST_CONV not in state or FUSED_CONV not in state:
        raise ValueError(
            f'not a U2Net checkpoint: {FIRST_CONV!r} or {FUSED_CONV!r} is missing (first keys: {list(state)[:3]})'
        )
    settings = dict(in_channels=state[FIRST_CONV].shape[1], num_classes=state[FUSED_CONV].shape[0])
    expected = None
    for arch in ARCH_SETTINGS:
        with torch.device('meta'):  # shapes only: no memory for the 44 M weights
            own = U2Net(arch=arch, **settings).state_dict()
        shapes = {k: tuple(v.shape) for k, v in own.items()}
        if shapes == {k: tuple(v.shape) for k, v in state.items()}:
            settings['arch'] = arch
            break
        if expected is None or len(set(shapes) ^ set(state)) < len(set(expected) ^ set(state)):
            expected = shapes
    else:
        missing = [k for k in expected if k not in state]
        unexpected = [k for k in state if k not in expected]
        wrong = [k for k in expected if k in state and tuple(state[k].shape) != expected[k]]
        raise ValueError(
            f'keys/shapes match no U2Net arch {sorted(ARCH_SETTINGS)}; closest differs by '
            f'missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape {wrong[:3]}'
        )
    converted = OrderedDict(('backbone.' + k, v.float() if v.is_floating_point() else v) for k, v in state.items())
    return converted, settings


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--overwrite', action='store_true', help='replace DST if it exists')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.src):
        print(f'error: {args.src} not found', file=sys.stderr)
        return 1
    if osp.exists(args.dst) and not args.overwrite:
        print(f'error: {args.dst} exists; pass --overwrite to replace it', file=sys.stderr)
        return 1
    import torch

    import mmext  # noqa: F401
    from mmext.utils.atomic_io import atomic_write
    from mmext.utils.pretrained import extract_state_dict

    checkpoint = torch.load(args.src, map_location='cpu', weights_only=False)
    try:
        state, settings = convert(extract_state_dict(checkpoint, args.src))
    except (TypeError, ValueError) as e:
        print(f'error: {args.src}: {e}', file=sys.stderr)
        return 1
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    buffer = io.BytesIO()
    torch.save({'state_dict': state, 'meta': dict(converted_from=osp.basename(args.src), **settings)}, buffer)
    atomic_write(args.dst, buffer.getvalue())
    params = sum(
        v.numel() for k, v in state.items() if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked'))
    )
    print(
        f"Converted {len(state)} tensors (U2Net arch={settings['arch']}, in_channels={settings['in_channels']}, "
        f"num_classes={settings['num_classes']}, {params / 1e6:.2f} M parameters) from {args.src} to {args.dst}"
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
