#!/usr/bin/env python
"""Export a segmentor's inference path to ONNX and check it against PyTorch in ONNX Runtime.

Exports ``mode='tensor'`` -- image batch (N, C, H, W), normalised as the config's data preprocessor
does -> decode-head logits (N, classes, H/8, W/8 for TopFormer). Auxiliary task heads (landmarks,
skeleton, depth) are not part of it, so a multi-task checkpoint exports its segmentation model only.
Then runs the file in ONNX Runtime on a random input (and, with --dynamic, on a second shape and batch
size) and reports the largest |ONNX Runtime - PyTorch| difference of the logits. Above --tolerance
(default 1e-3) the export is refused (exit status 1, the file is removed) unless the same model run in
float64 shows the difference is float32 rounding: ONNX Runtime no farther from float64 than PyTorch fp32
is. (Logits in the hundreds, like TopFormer-B's 150 ADE20K classes, differ by a few 1e-3 between any two
correct float32 implementations.) onnxslim simplifies the graph
(constant folding, dead nodes) unless --no-simplify; the simplified graph is checked the same way.

--dynamic makes batch, height and width symbolic. TopFormer then accepts sides that are multiples of 64
(its pyramid pooling is exported as fixed-kernel average pooling; see mmext/models/backbones/topformer.py).

Examples:
    python tools/deployment/export_onnx.py configs/_base_/models/topformer_base.py \\
        checkpoints/topformer_b_ade20k_official.pth --out work_dirs/onnx/topformer_b.onnx
    python tools/deployment/export_onnx.py configs/topformer_pose_aux.py work_dirs/topformer_pose_aux/iter_80000.pth \\
        --out work_dirs/onnx/pose_aux_seg.onnx --dynamic --shape 512 384
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import torch
from mmengine.config import DictAction

import mmext  # noqa: F401
from mmext.deployment import export_onnx, compare_with_torch, simplify_onnx
from mmext.deployment.loading import load_segmentor
from mmext.utils.benchmarking import input_channels


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='weights to export (loaded strictly)')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'),
                        help='example input size (the fixed size unless --dynamic; default: 512 512)')
    parser.add_argument('--batch-size', type=int, default=1, help='example batch size (default: 1)')
    parser.add_argument('--dynamic', action='store_true', help='symbolic batch, height and width')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (default: 17)')
    parser.add_argument('--no-simplify', action='store_true', help='keep the graph as exported')
    parser.add_argument('--tolerance', type=float, default=1e-3,
                        help='largest allowed |ORT - PyTorch| logit difference (default: 1e-3)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, help='override config settings')
    args = parser.parse_args(argv)
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            parser.error(f'{path} not found')
    return args


def check(path: str, segmentor, shapes, tolerance: float) -> dict:
    """ORT vs PyTorch for each input shape; raises ValueError when the export is wrong.

    Passes when max |ORT - PyTorch| < ``tolerance``, or -- where float32 rounding alone exceeds that (large
    logits) -- when ORT is no farther from the float64 result than PyTorch's own float32 result is.
    """
    diffs = {}
    generator = torch.Generator().manual_seed(0)
    for shape in shapes:
        diff = compare_with_torch(path, segmentor, torch.randn(*shape, generator=generator))
        diffs['x'.join(map(str, shape))] = diff
        print(f'    input {tuple(shape)}: max |ONNX Runtime - PyTorch| = {diff["max_abs_diff"]:.2e} (logits up to '
              f'{diff["max_abs_logit"]:.0f}; vs float64: ORT {diff["ort_vs_fp64"]:.2e}, PyTorch fp32 '
              f'{diff["torch_vs_fp64"]:.2e})', flush=True)
        if diff['max_abs_diff'] < tolerance:
            continue
        if diff['ort_vs_fp64'] <= diff['torch_vs_fp64']:
            print(f'    above {tolerance:g}, but ONNX Runtime is at least as close to float64 as PyTorch fp32 is: '
                  'float32 rounding, not a wrong graph', flush=True)
            continue
        raise ValueError(f'{path}: ONNX Runtime differs from PyTorch by {diff["max_abs_diff"]:.2e} at input '
                         f'{tuple(shape)} (tolerance {tolerance:g}) and is farther from float64 '
                         f'({diff["ort_vs_fp64"]:.2e}) than PyTorch fp32 ({diff["torch_vs_fp64"]:.2e})')
    return diffs


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg, segmentor = load_segmentor(args.config, args.checkpoint, args.cfg_options)
    shape = (args.batch_size, input_channels(cfg), *args.shape)
    shapes = [shape]
    if args.dynamic:  # a second batch size and a different, still valid size (multiples of 64)
        shapes.append((args.batch_size + 1, shape[1], args.shape[0] + 64, args.shape[1] - 64 if args.shape[1] > 64
                       else args.shape[1] + 128))
    start = time.time()
    print(f'Exporting {args.config} ({args.checkpoint}) at {shape}{", dynamic" if args.dynamic else ""}, '
          f'opset {args.opset} ...', flush=True)
    export_onnx(segmentor, args.out, shape, dynamic=args.dynamic, opset=args.opset)
    report = dict(config=args.config, checkpoint=args.checkpoint, onnx=args.out, shape=list(shape),
                  dynamic=args.dynamic, opset=args.opset)
    try:
        print('Checking the exported graph in ONNX Runtime ...', flush=True)
        report['checks'] = check(args.out, segmentor, shapes, args.tolerance)
        if not args.no_simplify:
            print('Simplifying with onnxslim and checking again ...', flush=True)
            simplified = args.out + '.slim.onnx'
            simplify_onnx(args.out, simplified)
            report['checks_simplified'] = check(simplified, segmentor, shapes, args.tolerance)
            os.replace(simplified, args.out)
    except ValueError as e:
        for path in (args.out, args.out + '.slim.onnx'):
            if osp.exists(path):
                os.remove(path)
        print(f'error: {e}; nothing written', file=sys.stderr)
        return 1
    report['size_MB'] = osp.getsize(args.out) / 2**20
    with open(osp.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(report, f, indent=2)
    worst = max(d['max_abs_diff'] for d in report.get('checks_simplified', report['checks']).values())
    print(f'Written {args.out} ({report["size_MB"]:.1f} MB, max |diff| {worst:.2e}, {time.time() - start:.0f} s); '
          f'report: {osp.splitext(args.out)[0]}.json')
    return 0


if __name__ == '__main__':
    sys.exit(main())
