#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Convert an official TopFormer checkpoint (ADE20K segmentor or ImageNet backbone) to an mmext checkpoint.

mmext keeps the official module names, so the conversion only cleans the file: it takes the weights out
of whatever wrapper holds them ('state_dict', 'model', 'state_dict_ema', ...), strips a DataParallel
'module.' prefix, casts half-precision tensors to float32, checks that every key belongs to TopFormer
(``backbone.*`` / ``decode_head.*``, or bare backbone keys for ImageNet files) and writes
``{'state_dict': ..., 'meta': ...}``, loadable with ``load_from=DST`` or ``init_cfg=dict(type='Pretrained',
checkpoint=DST)`` under ``torch.load(weights_only=True)``.

The source is read with ``weights_only=False`` because official files may pickle arbitrary objects:
convert only files you trust.

Example:
    python tools/model_converters/topformer2mmext.py topformer-B-512-ade.pth checkpoints/topformer_b_ade.pth
"""

import argparse
import io
import os
import os.path as osp
import sys
from collections import OrderedDict

# torch and mmext are imported once the arguments are parsed (--help stays instant).

SEGMENTOR_PREFIXES = ('backbone.', 'decode_head.', 'auxiliary_head.')


def convert(state: 'OrderedDict') -> 'OrderedDict':
    """Cast to float32 and check the key layout; raises ValueError on foreign keys."""
    from mmext.models.backbones.topformer import TopFormer

    backbone_roots = {name for name, _ in TopFormer(arch='tiny').named_children()}
    is_segmentor = any(k.startswith(SEGMENTOR_PREFIXES) for k in state)
    converted = OrderedDict()
    for key, value in state.items():
        if is_segmentor and not key.startswith(SEGMENTOR_PREFIXES):
            raise ValueError(f'unexpected key {key!r} in a segmentor checkpoint')
        if not is_segmentor and key.split('.')[0] not in backbone_roots:
            continue  # ImageNet checkpoints also hold the classifier
        converted[key] = value.float() if value.is_floating_point() else value
    if not converted:
        raise ValueError(f'no TopFormer keys found (backbone modules are {sorted(backbone_roots)})')
    return converted


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='official checkpoint')
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
        state = convert(extract_state_dict(checkpoint, args.src))
    except (TypeError, ValueError) as e:
        print(f'error: {args.src}: {e}', file=sys.stderr)
        return 1
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    buffer = io.BytesIO()
    torch.save({'state_dict': state, 'meta': {'converted_from': osp.basename(args.src)}}, buffer)
    atomic_write(args.dst, buffer.getvalue())
    kind = 'segmentor' if any(k.startswith('decode_head.') for k in state) else 'backbone'
    print(f'Converted {len(state)} tensors ({kind}) from {args.src} to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
