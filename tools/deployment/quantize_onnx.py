#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Post-training static INT8 quantization of an exported segmentor, with its IoU change and speed-up.

1. Calibration: the first --calib-num images of CONFIG's *training* set, through the config's test
   pipeline and data preprocessor (no random augmentation), give the activation ranges.
2. Quantization (ONNX Runtime): weights int8 per output channel, activations uint8; --format qdq or
   qoperator (which is faster depends on the CPU: measure both).
3. Evaluation: the fp32 and the INT8 model on the same --val-num images of CONFIG's *validation* set
   (never the calibration images): dataset-level IoU per class, mIoU, and the share of pixels where INT8
   predicts what fp32 predicts. --pred-map maps the model's classes to the dataset's (every unmapped
   class -> 0), e.g. ``--pred-map 12=1`` evaluates an ADE20K model's 'person' on a person/background set.
4. Speed: fp32 and INT8 timed side by side (interleaved rounds) at the model's input size.

A fixed-shape model gets every image resized to its input size; the prediction is resized back to the
label's resolution before scoring. Writes the INT8 model and a JSON report next to it (--report).

Example:
    python tools/deployment/export_onnx.py work_dirs/clothing_cpu_budget/topformer_b_ce/topformer_b_ce.py \
        work_dirs/clothing_cpu_budget/topformer_b_ce/iter_300.pth --out work_dirs/speed/topformer_b.onnx
    python tools/deployment/quantize_onnx.py work_dirs/clothing_cpu_budget/topformer_b_ce/topformer_b_ce.py \
        work_dirs/speed/topformer_b.onnx --out work_dirs/speed/topformer_b_int8.onnx --calib-num 32
"""

import argparse
import json
import os.path as osp
import sys
import time

import numpy as np
from mmengine.config import Config, DictAction

# The repository this tool lies in: the code version its result file records.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# torch and mmext are imported once the arguments are parsed (--help stays instant). The choices below equal
# mmext.deployment.quantization.FORMATS / CALIBRATION_METHODS (tests/test_tool_help.py checks).
FORMATS = ('qdq', 'qoperator')
CALIBRATION_METHODS = ('minmax', 'entropy', 'percentile')


def class_pair(text: str):
    try:
        source, target = (int(v) for v in text.split('='))
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected MODEL_CLASS=DATASET_CLASS, got {text!r}')
    return source, target


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config with the model\'s data preprocessor and the train/val datasets')
    parser.add_argument('onnx', help='fp32 model written by tools/deployment/export_onnx.py')
    parser.add_argument('--out', required=True, help='the INT8 .onnx to write')
    parser.add_argument('--format', default='qdq', choices=FORMATS, help='ORT quantization format (default: qdq)')
    parser.add_argument('--per-tensor', action='store_true', help='one weight scale per tensor, not per channel')
    parser.add_argument('--method', default='minmax', choices=CALIBRATION_METHODS, help='calibration method')
    parser.add_argument('--op-types', nargs='+', help='quantize only these ONNX op types (default: all supported)')
    parser.add_argument('--calib-num', type=int, default=32, help='calibration images (default: 32)')
    parser.add_argument('--val-num', type=int, help='validation images (default: the whole validation set)')
    parser.add_argument('--no-eval', action='store_true', help='skip the IoU evaluation')
    parser.add_argument(
        '--pred-map',
        nargs='+',
        type=class_pair,
        metavar='SRC=DST',
        help='map model classes to dataset classes; unmapped model classes count as class 0',
    )
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='timing input size for a dynamic-shape model (default: 512 512)',
    )
    parser.add_argument('--repeat', type=int, default=20, help='timed rounds (default: 20)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed rounds first (default: 3)')
    parser.add_argument('--report', help='JSON report (default: the --out path with .json)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, help='override config settings')
    args = parser.parse_args(argv)
    for path in (args.config, args.onnx):
        if not osp.isfile(path):
            parser.error(f'{path} not found')
    if args.calib_num < 1:
        parser.error('--calib-num must be at least 1')
    return args


def fixed_shape(runner):
    """(H, W) of an mmext.deployment.OrtRunner's fixed input size, or None for a dynamic one."""
    height, width = runner.input_shape[-2:]
    return (height, width) if isinstance(height, int) and isinstance(width, int) else None


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    import mmext  # noqa: F401
    from mmext.deployment import OrtRunner
    from mmext.deployment.dataset_inputs import dataset_inputs
    from mmext.deployment.quantization import quantize_int8
    from mmext.deployment.segmentation_eval import evaluate_side_by_side
    from mmext.utils.benchmarking import time_side_by_side
    from mmext.utils.run_records import provenance

    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    start = time.time()
    fp32 = OrtRunner(args.onnx)
    shape = fixed_shape(fp32)
    print(
        f'Calibrating on {args.calib_num} training images of {args.config}'
        + (f' (resized to {shape[0]}x{shape[1]})' if shape else '')
        + ' ...',
        flush=True,
    )
    calibration = [x for x, _ in dataset_inputs(cfg, 'train_dataloader', args.calib_num, shape)]
    print(
        f'Quantizing ({args.format}, {"per-tensor" if args.per_tensor else "per-channel"} int8 weights, '
        f'uint8 activations, {args.method}) ...',
        flush=True,
    )
    quantize_int8(args.onnx, args.out, calibration, args.format, not args.per_tensor, args.method, args.op_types)
    int8 = OrtRunner(args.out)
    report = dict(
        config=args.config,
        fp32_onnx=args.onnx,
        int8_onnx=args.out,
        format=args.format,
        per_channel=not args.per_tensor,
        method=args.method,
        op_types=args.op_types,
        calibration=dict(split='train_dataloader', images=len(calibration)),
        size_MB=dict(fp32=osp.getsize(args.onnx) / 2**20, int8=osp.getsize(args.out) / 2**20),
        cfg_options=args.cfg_options,
        **provenance(argv, __file__, repo=REPO),
    )  # machine (CPU, threads, versions), code (commit), command
    report['size_MB']['ratio'] = report['size_MB']['int8'] / report['size_MB']['fp32']

    if not args.no_eval:
        samples = dataset_inputs(cfg, 'val_dataloader', args.val_num, shape)
        classes = cfg.val_dataloader.dataset.get('metainfo', {}).get('classes')
        if classes is None:
            from mmseg.registry import DATASETS

            classes = DATASETS.build(cfg.val_dataloader.dataset).metainfo['classes']
        total = args.val_num or 'all'
        print(f'Evaluating fp32 and INT8 on {total} validation images ...', flush=True)

        def progress(done: int) -> None:
            if done % 20 == 0:
                print(f'    {done} images', flush=True)

        metrics = evaluate_side_by_side(
            dict(fp32=fp32, int8=int8),
            samples,
            classes,
            dict(args.pred_map) if args.pred_map else None,
            progress=progress,
        )
        report['eval'] = dict(
            split='val_dataloader',
            pred_map=args.pred_map,
            metrics=metrics,
            mIoU_change=metrics['int8']['mIoU'] - metrics['fp32']['mIoU'],
        )

    timing_shape = shape or tuple(args.shape)
    channels = calibration[0].shape[1]
    x = np.random.default_rng(0).standard_normal((1, channels, *timing_shape)).astype(np.float32)
    print(
        f'Timing fp32 and INT8 at {timing_shape[0]}x{timing_shape[1]}, {args.warmup} warm-up + {args.repeat} '
        f'rounds, {torch.get_num_threads()} threads ...',
        flush=True,
    )
    timings = time_side_by_side(dict(fp32=lambda: fp32(x), int8=lambda: int8(x)), args.repeat, args.warmup)
    report['latency'] = timings
    report['speedup'] = timings['fp32']['median_ms'] / timings['int8']['median_ms']
    report['threads'] = torch.get_num_threads()

    path = args.report or osp.splitext(args.out)[0] + '.json'
    with open(path, 'w') as f:
        json.dump(report, f, indent=2)
    line = (
        f'INT8 ({args.format}): {report["size_MB"]["int8"]:.1f} MB (x{report["size_MB"]["ratio"]:.2f} of fp32), '
        f'{timings["int8"]["median_ms"]:.1f} ms vs fp32 {timings["fp32"]["median_ms"]:.1f} ms '
        f'(speed-up x{report["speedup"]:.2f})'
    )
    if 'eval' in report:
        m = report['eval']['metrics']
        line += (
            f', mIoU {m["int8"]["mIoU"]:.2f} vs fp32 {m["fp32"]["mIoU"]:.2f} (change '
            f'{report["eval"]["mIoU_change"]:+.2f}), pixel agreement '
            f'{m["int8"]["pixel_agreement_with_fp32"]:.2f}%'
        )
    print(line)
    print(f'Written {args.out} and {path} ({time.time() - start:.0f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
