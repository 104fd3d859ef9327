#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Export a segmentor's inference path to ONNX and check it against PyTorch in ONNX Runtime.

Exports ``mode='tensor'`` -- image batch (N, C, H, W), normalised as the config's data preprocessor
does -> decode-head logits (N, classes, H/8, W/8 for TopFormer). Auxiliary task heads (landmarks,
skeleton, depth) are not part of it, so a multi-task checkpoint exports its segmentation model only.
Then runs the file in ONNX Runtime on a random input (and, with --dynamic, on a second shape and batch
size) and judges it against the same model run in float64, which is nearly exact on any CPU: the largest
|ONNX Runtime - float64| logit difference relative to the largest |logit| must stay under --rel-tolerance
(default 1e-4; float32 rounding of a correct graph is about 1e-5 of the logits' scale), and ONNX Runtime's
predicted classes must agree with float64's at least as well as PyTorch fp32's do (less 0.1 % of the
pixels). Otherwise the export is refused (exit status 1, the file is removed) with what to try. onnxslim
simplifies the graph (constant folding, dead nodes) unless --no-simplify; the simplified graph is checked
the same way.

The example input size defaults to what the config's test pipeline feeds the model: its ``Resize`` size
(for a keep-ratio resize, the size of the test set's first photo, when the data are there), rounded up to a
multiple of 64 for TopFormer's pyramid pooling.

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

from mmengine.config import DictAction

# The repository this tool lies in: the code version its result file records.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# torch and mmext are imported once the arguments are parsed (--help stays instant).


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='weights to export (loaded strictly)')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='example input size (the fixed size unless --dynamic; default: the test pipeline\'s)',
    )
    parser.add_argument('--batch-size', type=int, default=1, help='example batch size (default: 1)')
    parser.add_argument('--dynamic', action='store_true', help='symbolic batch, height and width')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (default: 17)')
    parser.add_argument('--no-simplify', action='store_true', help='keep the graph as exported')
    parser.add_argument(
        '--rel-tolerance',
        type=float,
        default=1e-4,
        help='largest allowed |ORT - float64| / max |logit| (default: 1e-4)',
    )
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, help='override config settings')
    args = parser.parse_args(argv)
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            parser.error(f'{path} not found')
    return args


def check(path: str, segmentor, shapes, rel_tolerance: float) -> dict:
    """ORT against a float64 run of the model for each input shape; raises ValueError when the export is wrong
    (relative logit error above ``rel_tolerance``, or predicted classes that agree with float64 worse than
    PyTorch fp32's by more than 0.1 % of the pixels)."""
    import torch

    from mmext.deployment import compare_with_torch

    diffs = {}
    generator = torch.Generator().manual_seed(0)
    for shape in shapes:
        diff = compare_with_torch(path, segmentor, torch.randn(*shape, generator=generator))
        diff['relative_error'] = diff['ort_vs_fp64'] / max(diff['max_abs_logit'], 1e-12)
        diffs['x'.join(map(str, shape))] = diff
        print(
            f'    input {tuple(shape)}: |ONNX Runtime - float64| = {diff["ort_vs_fp64"]:.2e} at logits up to '
            f'{diff["max_abs_logit"]:.3g} (relative {diff["relative_error"]:.1e}; PyTorch fp32: '
            f'{diff["torch_vs_fp64"] / max(diff["max_abs_logit"], 1e-12):.1e}); classes agree with float64 on '
            f'{100 * diff["ort_class_agreement"]:.3f} % of the pixels (PyTorch fp32: '
            f'{100 * diff["torch_class_agreement"]:.3f} %)',
            flush=True,
        )
        problems = []
        if diff['relative_error'] > rel_tolerance:
            problems.append(f'relative logit error {diff["relative_error"]:.1e} > {rel_tolerance:g}')
        if diff['ort_class_agreement'] < diff['torch_class_agreement'] - 1e-3:
            problems.append(
                f'classes agree with float64 on {100 * diff["ort_class_agreement"]:.2f} % of the pixels '
                f'(PyTorch fp32: {100 * diff["torch_class_agreement"]:.2f} %)'
            )
        if problems:
            raise ValueError(
                f'{path} at input {tuple(shape)}: {"; ".join(problems)}. Try: --no-simplify (if only '
                'the simplified graph fails), --opset 18, the model\'s own input size with --shape '
                '(a multiple of 64 for TopFormer), or --rel-tolerance if the logits are very large'
            )
    return diffs


def default_shape(cfg) -> tuple:
    """(H, W) the test pipeline feeds the model, rounded up to a multiple of 64; and where it came from."""
    from mmext.deployment.photo_segmenter import input_size, test_resize

    scale, keep_ratio = test_resize(cfg)
    source = 'the test pipeline\'s Resize'
    if keep_ratio:
        photo_hw = (max(scale), min(scale))  # portrait, as the project's person and clothing photos
        try:
            from mmengine.registry import init_default_scope
            from mmseg.registry import DATASETS

            init_default_scope(cfg.get('default_scope', 'mmseg'))
            dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[dict(type='LoadImageFromFile')]))
            photo_hw = dataset[0]['img'].shape[:2]
            source = 'the test pipeline\'s Resize of the first test photo'
        except Exception:  # no data here: the Resize scale alone
            pass
        height, width = input_size(photo_hw, scale, keep_ratio=True)
    else:
        height, width = input_size((0, 0), scale, keep_ratio=False)
    return (-(-height // 64) * 64, -(-width // 64) * 64), f'{source} ({height} x {width}, rounded up to x64)'


def main(argv=None) -> int:
    args = parse_args(argv)
    import mmext  # noqa: F401
    from mmext.deployment import export_onnx, simplify_onnx
    from mmext.deployment.loading import load_segmentor
    from mmext.utils.benchmarking import input_channels
    from mmext.utils.run_records import provenance

    cfg, segmentor = load_segmentor(args.config, args.checkpoint, args.cfg_options)
    if args.shape is None:
        args.shape, source = default_shape(cfg)
        print(f'Input size {args.shape[0]} x {args.shape[1]} from {source}; --shape H W sets another')
    shape = (args.batch_size, input_channels(cfg), *args.shape)
    shapes = [shape]
    if args.dynamic:  # a second batch size and a different, still valid size (multiples of 64)
        shapes.append(
            (
                args.batch_size + 1,
                shape[1],
                args.shape[0] + 64,
                args.shape[1] - 64 if args.shape[1] > 64 else args.shape[1] + 128,
            )
        )
    start = time.time()
    print(
        f'Exporting {args.config} ({args.checkpoint}) at {shape}{", dynamic" if args.dynamic else ""}, '
        f'opset {args.opset} ...',
        flush=True,
    )
    export_onnx(segmentor, args.out, shape, dynamic=args.dynamic, opset=args.opset)
    report = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        onnx=args.out,
        shape=list(shape),
        dynamic=args.dynamic,
        opset=args.opset,
        cfg_options=args.cfg_options,
        **provenance(argv, __file__, repo=REPO),
    )  # machine (CPU, threads, versions), code (commit), command
    try:
        print('Checking the exported graph in ONNX Runtime ...', flush=True)
        report['checks'] = check(args.out, segmentor, shapes, args.rel_tolerance)
        if not args.no_simplify:
            print('Simplifying with onnxslim and checking again ...', flush=True)
            simplified = args.out + '.slim.onnx'
            simplify_onnx(args.out, simplified)
            report['checks_simplified'] = check(simplified, segmentor, shapes, args.rel_tolerance)
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
    worst = max(d['relative_error'] for d in report.get('checks_simplified', report['checks']).values())
    print(
        f'Written {args.out} ({report["size_MB"]:.1f} MB, relative error {worst:.1e}, {time.time() - start:.0f} s); '
        f'report: {osp.splitext(args.out)[0]}.json'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
