#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Effect of test-time post-processing on mIoU and latency: dense CRF, small-region removal, superpixel voting.

Runs the model of CONFIG (weights from CHECKPOINT; random weights without it, for a smoke run) once per image of
the config's test set (batch size 1), then refines its seg logits with each step of --steps alone and with all of
them chained in the order given ('all'), exactly as a segmentor with post-processing steps does at test time
(PostProcessMixin: at the network input size, before padding removal and resizing to the original shape).
Reports per variant mmseg's IoU (mIoU, aAcc, per-class IoU; mmseg's IoUMetric arithmetic) and the added latency
(median ms per image, the step alone, images recovered from the preprocessed input included; the first image runs
once more untimed, as a warm-up), next to the model's own latency ('model': the segmentor's inference without the
config's steps, without data loading).

Steps and their default settings (mmext.models.postprocess):
  crf            DenseCRF()
  small_regions  RemoveSmallRegions()
  superpixel     SuperpixelVote()
A step of the same type in the config (model.postprocess or model.test_cfg.postprocess) replaces the default;
--step-options changes single settings, e.g. --step-options crf.scale=1.0 superpixel.max_side=256.

Example:
    python tools/analysis_tools/postprocess_effect.py \\
        projects/fashion_pixel/configs/topformer_b_8xb2-80k_ccp-person-512x512.py work_dirs/person/iter_80000.pth \\
        --steps crf small_regions superpixel --num 100 --out work_dirs/postprocess_effect.json
"""

import argparse
import ast
import copy
import json
import os
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional

import numpy as np
from mmengine.config import Config

# The repository this tool lies in: the code version its result file records.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# torch, mmseg and mmext are imported once the arguments are parsed (--help stays instant).

STEP_TYPES = dict(crf='DenseCRF', small_regions='RemoveSmallRegions', superpixel='SuperpixelVote')
ALL = 'all'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='segmentation config (its test_dataloader is used)')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint (omit for random weights: a smoke run)')
    parser.add_argument(
        '--steps',
        nargs='+',
        choices=list(STEP_TYPES),
        default=list(STEP_TYPES),
        help='post-processing steps, alone and chained in this order (default: all three)',
    )
    parser.add_argument('--num', type=int, help='evaluate only the first N images of the test set')
    parser.add_argument(
        '--out', help='JSON file for the results (default: work_dirs/postprocess_effect/<config name>.json)'
    )
    parser.add_argument(
        '--step-options',
        nargs='+',
        default=[],
        metavar='STEP.KEY=VALUE',
        help='override step settings, e.g. crf.num_iters=10 small_regions.min_area=0.001',
    )
    parser.add_argument('--device', help='device for the model and the steps (default: cuda when available, else cpu)')
    parser.add_argument('--num-workers', type=int, help="data loading workers (default: the config's)")
    args = parser.parse_args(argv)
    if args.num is not None and args.num < 1:
        parser.error('--num must be >= 1')
    if args.device is None:
        import torch

        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    return args


def config_steps(cfg: Config) -> List[dict]:
    model = cfg.model
    return list(model.get('postprocess') or (model.get('test_cfg') or {}).get('postprocess') or [])


def without_steps(cfg: Config) -> Config:
    """A copy of ``cfg`` whose model has no post-processing steps: the tool runs them itself, one at a time."""
    cfg = copy.deepcopy(cfg)
    cfg.model.pop('postprocess', None)
    if cfg.model.get('test_cfg'):
        cfg.model.test_cfg.pop('postprocess', None)
    return cfg


def step_configs(cfg: Config, names: List[str], options: List[str]) -> Dict[str, dict]:
    """Config of each named step: default, replaced by the config's step of that type, then --step-options."""
    from_config = {step['type']: dict(step) for step in config_steps(cfg) if isinstance(step, dict)}
    steps = {name: copy.deepcopy(from_config.get(STEP_TYPES[name], dict(type=STEP_TYPES[name]))) for name in names}
    for option in options:
        key, sep, value = option.partition('=')
        name, dot, setting = key.partition('.')
        if not sep or not dot or not setting:
            raise ValueError(f'--step-options takes STEP.KEY=VALUE, got {option!r}')
        if name not in steps:
            raise ValueError(f'--step-options {option!r}: {name!r} is not one of the --steps {names}')
        try:
            steps[name][setting] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            steps[name][setting] = value
    return steps


def dataloader_cfg(cfg: Config, num_workers: Optional[int]) -> dict:
    loader = copy.deepcopy(cfg.test_dataloader)
    loader.batch_size = 1
    if num_workers is not None:
        loader.num_workers = num_workers
    if loader.get('num_workers', 0) == 0:
        loader.persistent_workers = False
    return loader


def synchronize(device) -> None:
    """Wait for ``device`` (a torch.device) to finish its queued work (CUDA only)."""
    if device.type == 'cuda':
        import torch

        torch.cuda.synchronize(device)


def timed(run: Callable, device):
    synchronize(device)
    start = time.perf_counter()
    out = run()
    synchronize(device)
    return out, 1000 * (time.perf_counter() - start)


def summarize(areas: list, class_names) -> dict:
    from mmseg.evaluation import IoUMetric

    intersect, union, pred, label = (sum(a[k] for a in areas) for k in range(4))
    metrics = IoUMetric.total_area_to_metrics(intersect, union, pred, label, ['mIoU'])
    iou = np.asarray(metrics['IoU'], dtype=float)
    return dict(
        mIoU=float(np.round(np.nanmean(iou) * 100, 2)),
        aAcc=float(np.round(np.asarray(metrics['aAcc'], dtype=float) * 100, 2)),
        IoU={str(name): (None if np.isnan(v) else float(np.round(v * 100, 2))) for name, v in zip(class_names, iou)},
    )


def measure(args: argparse.Namespace) -> dict:
    import torch

    with torch.no_grad():
        return _measure(args)


def _measure(args: argparse.Namespace) -> dict:
    import torch
    from mmengine.runner import Runner
    from mmseg.evaluation import IoUMetric
    from mmseg.registry import MODELS

    import mmext  # noqa: F401  (registers mmext's modules)
    from mmext.models.segmentors.postprocess import apply_postprocess_steps
    from mmext.utils.benchmarking import build_inference_segmentor
    from mmext.utils.machine import cpu_model
    from mmext.utils.pretrained import load_checkpoint_strictly

    cfg = Config.fromfile(args.config)
    device = torch.device(args.device)
    steps_cfg = step_configs(cfg, args.steps, args.step_options)
    steps = {name: MODELS.build(step_cfg) for name, step_cfg in steps_cfg.items()}
    model = build_inference_segmentor(without_steps(cfg))  # its inference() gives the raw seg logits
    if args.checkpoint:
        load_checkpoint_strictly(model, args.checkpoint, args.config)
    model.to(device)
    loader = Runner.build_dataloader(dataloader_cfg(cfg, args.num_workers))
    dataset = loader.dataset
    class_names = dataset.metainfo['classes']
    evaluator = cfg.get('test_evaluator')
    ignore_index = evaluator.get('ignore_index', 255) if isinstance(evaluator, dict) else 255
    total = len(dataset) if args.num is None else min(args.num, len(dataset))
    variants = ['none', *args.steps] + ([ALL] if len(args.steps) > 1 else [])
    areas = {variant: [] for variant in variants}
    latency = {variant: [] for variant in ['model', *variants[1:]]}
    channel_order = cfg.model.get('postprocess_channel_order', 'auto')
    print(f'Evaluating {total} image(s) on {device}: model, then {", ".join(variants[1:])} ...', flush=True)

    def chain(names, logits, inputs):
        return apply_postprocess_steps(
            [steps[name] for name in names], logits, inputs, model.data_preprocessor, channel_order, model.align_corners
        )

    for index, data in enumerate(loader):
        if index >= total:
            break
        data = model.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        metas = [sample.metainfo for sample in samples]
        if index == 0:  # untimed warm-up (first calls allocate and initialise)
            chain(args.steps, model.inference(inputs, metas), inputs)
        logits, ms = timed(lambda: model.inference(inputs, metas), device)
        latency['model'].append(ms)
        refined = {'none': logits}
        for variant in variants[1:]:
            names = args.steps if variant == ALL else [variant]
            refined[variant], ms = timed(lambda: chain(names, logits, inputs), device)
            latency[variant].append(ms)
        for variant, scores in refined.items():
            result = model.postprocess_result(scores, copy.deepcopy(samples))[0]
            pred = result.pred_sem_seg.data.squeeze()
            label = result.gt_sem_seg.data.squeeze().to(pred)
            areas[variant].append(IoUMetric.intersect_and_union(pred, label, len(class_names), ignore_index))
        print(
            f'[{index + 1}/{total}] {osp.basename(metas[0].get("img_path", ""))}: '
            + ', '.join(f'{name} {times[-1]:.1f} ms' for name, times in latency.items()),
            flush=True,
        )

    results = {}
    base = summarize(areas['none'], class_names)
    for variant in variants:
        summary = base if variant == 'none' else summarize(areas[variant], class_names)
        summary['delta_mIoU'] = round(summary['mIoU'] - base['mIoU'], 2)
        summary['added_latency_ms'] = 0.0 if variant == 'none' else float(np.median(latency[variant]))
        results[variant] = summary
    return dict(
        config=args.config,
        checkpoint=args.checkpoint,
        num_images=total,
        device=str(device),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        cpu=cpu_model(),
        steps={name: dict(steps_cfg[name]) for name in args.steps},
        chain=list(args.steps),
        model_latency_ms=float(np.median(latency['model'])),
        results=results,
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out or osp.join('work_dirs', 'postprocess_effect', osp.splitext(osp.basename(args.config))[0] + '.json')
    report = measure(args)
    from mmext.utils.run_records import provenance

    report.update(provenance(argv, __file__, repo=REPO))  # machine (CPU, threads, versions), code (commit), command
    print(
        f'\nModel: {report["model_latency_ms"]:.1f} ms per image (median); {report["num_images"]} image(s), '
        f'{report["device"]}'
    )
    print(f'{"variant":<15} {"mIoU":>7} {"delta":>7} {"aAcc":>7} {"added ms":>9}')
    for variant, result in report['results'].items():
        print(
            f'{variant:<15} {result["mIoU"]:>7.2f} {result["delta_mIoU"]:>+7.2f} {result["aAcc"]:>7.2f} '
            f'{result["added_latency_ms"]:>9.1f}'
        )
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(report, f, indent=2)
    print(f'Results written to {osp.abspath(out)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
