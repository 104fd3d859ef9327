#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Every inference path of TopFormer-B timed side by side in one run, with size and IoU change.

Candidates (batch 1, --shape, fp32 input, the machine's threads for PyTorch and ONNX Runtime alike):
  official_eager_fp32     TopFormer-B with the official weights (../shared/golden; 150 ADE20K classes),
                          eager PyTorch: mmext's TopFormer reproduces the official outputs exactly
                          (tests/test_topformer.py), so this *is* the official model, run by our code
  ours_eager_fp32         the studied checkpoint (CONFIG, CHECKPOINT), eager PyTorch
  ours_eager_optimised    + BatchNorm folded into the convolutions + channels_last
  ours_eager_bf16         the same with bfloat16 weights and activations
  ours_eager_compiled     with --compile: BN folded + torch.compile (inductor), compiled during warm-up
  ours_onnx_fp32          exported (tools/deployment/export_onnx.py path), ONNX Runtime
  ours_onnx_int8_qdq      static INT8 (QDQ format), calibrated on --calib-num training images
  ours_onnx_int8_qoperator  the same in QOperator format
  seg_only_eager / multitask_eager / multitask_onnx_fp32
                          configs/ablations/dresscode_aux/seg_only.py vs configs/topformer_pose_aux.py
                          (landmark + skeleton heads): inference cost of the auxiliary heads
  peer_mit_b0_backbone / ours_topformer_b_backbone
                          backbones only, to place this run against REFERENCE.md's peer latencies
                          (official TopFormer-B backbone 132 ms, mmseg MiT-B0 197 ms on this machine type)
All are timed in the same interleaved rounds, so their ratios share the machine's load. The IoU change of
every path of the studied checkpoint is measured on the validation split of CONFIG at the same --shape
(photos resized to it without keeping the aspect ratio -- the config's test Resize is replaced -- and
predictions resized back to the label resolution).

Writes results_<name>.json and prints the table (markdown) for projects/speed/README.md.

Example:
    python projects/speed/run_speed_table.py \\
        work_dirs/clothing_cpu_budget/topformer_b_lovasz-ft/topformer_b_lovasz-ft.py \\
        work_dirs/clothing_cpu_budget/topformer_b_lovasz-ft/iter_100.pth --out projects/speed/results_topformer_b.json
"""

import argparse
import copy
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OFFICIAL_CONFIG = 'configs/_base_/models/topformer_base.py'
OFFICIAL_WEIGHTS = osp.join(osp.dirname(REPO), 'shared/golden/topformer_base_official.pt')
SEG_ONLY = 'configs/ablations/dresscode_aux/seg_only.py'
MULTITASK = 'configs/topformer_pose_aux.py'
MIT_B0 = 'configs/sersegformer/segformer_b0_8xb2-160k_easyportrait-person-512x512.py'
REFERENCE_MS = dict(official_topformer_b_backbone=132.0, mit_b0_backbone=197.0)  # REFERENCE.md section 4


def build_candidates(args, work: str):
    import torch
    from mmengine.config import Config
    from mmseg.registry import MODELS

    from mmext.datasets.transforms.geometry import RESIZE_TYPES
    from mmext.deployment import OrtRunner, export_onnx, optimize_eager, simplify_onnx
    from mmext.deployment.dataset_inputs import dataset_inputs
    from mmext.deployment.eager import PRECISIONS
    from mmext.deployment.loading import load_segmentor
    from mmext.deployment.quantization import quantize_int8
    from mmext.utils.benchmarking import TensorMode, count_gflops, count_parameters, state_size_mb

    shape = tuple(args.shape)
    x = torch.randn(1, 3, *shape, generator=torch.Generator().manual_seed(0))
    candidates, info = {}, {}

    def eager(name, model, **options):
        run = optimize_eager(TensorMode(model), **options)
        candidates[name] = run
        bytes_per_value = PRECISIONS[options.get('precision', 'fp32')].itemsize  # stored at the run's dtype
        info[name] = dict(
            params=count_parameters(model),
            size_MB=state_size_mb(model) * bytes_per_value / 4,
            GFLOPs=count_gflops(TensorMode(model), x),
        )
        return run

    def onnx(name, model, path):
        if not osp.isfile(path):
            export_onnx(model, path, (1, 3, *shape))
            simplify_onnx(path)
        runner = OrtRunner(path)
        candidates[name] = runner
        info[name] = dict(params=count_parameters(model), size_MB=osp.getsize(path) / 2**20, onnx=path)
        return runner

    print('==> official TopFormer-B (golden weights), eager', flush=True)
    _, official = load_segmentor(OFFICIAL_CONFIG, args.official_weights)
    eager('official_eager_fp32', official)

    print(f'==> ours: {args.config} ({args.checkpoint}): eager, optimised, ONNX fp32, INT8', flush=True)
    cfg, ours = load_segmentor(args.config, args.checkpoint)
    for step in cfg.val_dataloader.dataset.pipeline:  # photos straight to the deployed input size
        if step.type in RESIZE_TYPES:
            step.update(scale=(shape[1], shape[0]), keep_ratio=False)
    eager('ours_eager_fp32', ours)
    eager('ours_eager_optimised', copy.deepcopy(ours), fuse_bn=True, channels_last=True)
    eager('ours_eager_bf16', copy.deepcopy(ours), fuse_bn=True, channels_last=True, precision='bf16')
    if args.compile:
        eager('ours_eager_compiled', copy.deepcopy(ours), fuse_bn=True, compile_mode='default')
    fp32_path = osp.join(work, 'ours_fp32.onnx')
    onnx('ours_onnx_fp32', ours, fp32_path)
    calibration = [t for t, _ in dataset_inputs(cfg, 'train_dataloader', args.calib_num, shape)]
    for fmt in ('qdq', 'qoperator'):
        path = osp.join(work, f'ours_int8_{fmt}.onnx')
        if not osp.isfile(path):
            print(f'    quantizing ({fmt}, {len(calibration)} calibration images)', flush=True)
            quantize_int8(fp32_path, path, calibration, fmt)
        onnx(f'ours_onnx_int8_{fmt}', ours, path)

    print('==> seg-only vs multi-task (aux heads) inference', flush=True)
    _, seg_only = load_segmentor(SEG_ONLY)
    _, multitask = load_segmentor(MULTITASK)
    eager('seg_only_eager', seg_only)
    eager('multitask_eager', multitask)
    onnx('multitask_onnx_fp32', multitask, osp.join(work, 'multitask_fp32.onnx'))
    info['multitask_eager']['params_with_aux_heads'] = count_parameters(multitask)
    info['multitask_eager']['params_inference_path'] = count_parameters(
        torch.nn.ModuleList([multitask.backbone, multitask.decode_head])
    )

    print('==> backbones for the REFERENCE.md peer figures', flush=True)
    mit_cfg = Config.fromfile(osp.join(REPO, MIT_B0)).model.backbone
    mit_cfg.init_cfg = None
    mit = MODELS.build(mit_cfg).eval()
    candidates['peer_mit_b0_backbone'] = torch.no_grad()(lambda t: mit(t))
    candidates['ours_topformer_b_backbone'] = torch.no_grad()(lambda t: official.backbone(t))
    info['peer_mit_b0_backbone'] = dict(params=count_parameters(mit))
    info['ours_topformer_b_backbone'] = dict(params=count_parameters(official.backbone))
    return cfg, x, candidates, info


def ours_iou(args, cfg, candidates) -> dict:
    from mmseg.registry import DATASETS

    from mmext.deployment.dataset_inputs import dataset_inputs
    from mmext.deployment.segmentation_eval import evaluate_side_by_side

    paths = [name for name in candidates if name.startswith('ours_') and 'backbone' not in name]
    models = {name: (lambda t, run=candidates[name]: _numpy(run(t))) for name in paths}
    classes = DATASETS.build(cfg.val_dataloader.dataset).metainfo['classes']

    def progress(done):
        if done % 40 == 0:
            print(f'    {done} images', flush=True)

    print(f'==> IoU of every path of ours on {args.val_num or "all"} validation images', flush=True)
    return evaluate_side_by_side(
        models, dataset_inputs(cfg, 'val_dataloader', args.val_num, tuple(args.shape)), classes, progress=progress
    )


def _numpy(y):
    return y.numpy() if hasattr(y, 'numpy') else y


def table(result: dict) -> str:
    t, info, metrics = result['timings'], result['info'], result.get('iou', {})
    base = t['official_eager_fp32']['median_ms']
    rows = [
        ('TopFormer-B, official weights (150 cl.)', 'eager fp32 (= official)', 'official_eager_fp32'),
        ('TopFormer-B, ours (CCP, 4 cl.)', 'eager fp32', 'ours_eager_fp32'),
        ('', 'eager optimised (BN folded, channels_last)', 'ours_eager_optimised'),
        ('', 'eager optimised, bf16', 'ours_eager_bf16'),
        ('', 'eager, BN folded, torch.compile (inductor)', 'ours_eager_compiled'),
        ('', 'ONNX Runtime fp32', 'ours_onnx_fp32'),
        ('', 'ONNX Runtime INT8 (QDQ)', 'ours_onnx_int8_qdq'),
        ('', 'ONNX Runtime INT8 (QOperator)', 'ours_onnx_int8_qoperator'),
        ('TopFormer-B seg-only (18 cl.)', 'eager fp32', 'seg_only_eager'),
        ('TopFormer-B + landmark & skeleton heads', 'eager fp32', 'multitask_eager'),
        ('', 'ONNX Runtime fp32', 'multitask_onnx_fp32'),
    ]
    lines = [
        '| model | path | latency median (ms) | p90 (ms) | x official eager | speed-up | size (MB) | '
        'mIoU | mIoU change | pixels = fp32 |',
        '|---|---|---|---|---|---|---|---|---|---|',
    ]
    reference = metrics.get('ours_eager_fp32')
    for model, path, key in rows:
        if key not in t:
            continue
        m = metrics.get(key)
        iou = f'{m["mIoU"]:.2f}' if m else '-'
        change = f'{m["mIoU"] - reference["mIoU"]:+.2f}' if m and reference else '-'
        agree = f'{m["pixel_agreement_with_ours_eager_fp32"]:.2f} %' if m and key != 'ours_eager_fp32' else '-'
        size = info[key].get('size_MB')
        lines.append(
            f'| {model} | {path} | {t[key]["median_ms"]:.1f} | {t[key]["p90_ms"]:.1f} | '
            f'{t[key]["median_ms"] / base:.2f} | x{base / t[key]["median_ms"]:.2f} | '
            + (f'{size:.1f}' if size else '-')
            + f' | {iou} | {change} | {agree} |'
        )
    return '\n'.join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config of the studied TopFormer-B checkpoint (with its CCP datasets)')
    parser.add_argument('checkpoint', help='the studied checkpoint')
    parser.add_argument('--official-weights', default=OFFICIAL_WEIGHTS, help='official TopFormer-B weights')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument('--calib-num', type=int, default=32, help='INT8 calibration images (training split)')
    parser.add_argument('--val-num', type=int, help='validation images for the IoU change (default: all)')
    parser.add_argument('--repeat', type=int, default=30, help='timed rounds (default: 30)')
    parser.add_argument('--warmup', type=int, default=5, help='untimed rounds (default: 5)')
    parser.add_argument('--compile', action='store_true', help='also time torch.compile (inductor; compiles first)')
    parser.add_argument('--work-dir', default='work_dirs/speed', help='exported and quantized models')
    parser.add_argument('--out', default='projects/speed/results_topformer_b.json')
    args = parser.parse_args(argv)
    for path in (args.config, args.checkpoint, args.official_weights):
        if not osp.isfile(path):
            parser.error(f'{path} not found')

    import torch

    import mmext  # noqa: F401
    from mmext.utils.benchmarking import time_side_by_side
    from mmext.utils.run_records import provenance

    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    cfg, x, candidates, info = build_candidates(args, args.work_dir)
    print(
        f'==> timing {len(candidates)} candidates at {args.shape[0]}x{args.shape[1]}, {args.warmup} warm-up + '
        f'{args.repeat} interleaved rounds, {torch.get_num_threads()} threads',
        flush=True,
    )
    array = x.numpy()
    timings = time_side_by_side(
        {name: (lambda run=run, name=name: run(array if 'onnx' in name else x)) for name, run in candidates.items()},
        args.repeat,
        args.warmup,
    )
    result = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        official_weights=args.official_weights,
        shape=args.shape,
        threads=torch.get_num_threads(),
        repeat=args.repeat,
        warmup=args.warmup,
        timings=timings,
        info=info,
        **provenance(argv, __file__, repo=REPO),
    )  # machine (CPU, threads, versions), code (commit), command
    result['iou'] = ours_iou(args, cfg, candidates)
    official_ms = timings['official_eager_fp32']['median_ms']
    fastest = min((k for k in timings if k.startswith('ours_')), key=lambda k: timings[k]['median_ms'])
    backbone_ratio = timings['ours_topformer_b_backbone']['median_ms'] / timings['peer_mit_b0_backbone']['median_ms']
    reference_ratio = REFERENCE_MS['official_topformer_b_backbone'] / REFERENCE_MS['mit_b0_backbone']
    result['targets'] = dict(
        ours_vs_official_eager=timings['ours_eager_fp32']['median_ms'] / official_ms,
        backbone_vs_mit_b0_here=backbone_ratio,
        backbone_vs_mit_b0_reference=reference_ratio,
        official_backbone_estimated_here_ms=REFERENCE_MS['official_topformer_b_backbone']
        * timings['peer_mit_b0_backbone']['median_ms']
        / REFERENCE_MS['mit_b0_backbone'],
        fastest_ours_path=fastest,
        fastest_speedup_vs_official_eager=official_ms / timings[fastest]['median_ms'],
        fastest_mIoU_change=result['iou'][fastest]['mIoU'] - result['iou']['ours_eager_fp32']['mIoU'],
        multitask_vs_seg_only=timings['multitask_eager']['median_ms'] / timings['seg_only_eager']['median_ms'],
    )
    result['table'] = table(result)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    print(result['table'])
    print('targets: ' + json.dumps(result['targets'], indent=1))
    print(f'Written {args.out} ({time.time() - start:.0f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
