#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Rebuild study 5's table on this codebase: cost of every variant, and person IoU after a fixed CPU budget.

For each variant config (configs/sersegformer/, configs/sernet_former/):
1. cost at --cost-shape (default 512 x 512, batch 1, CPU, fp32): parameters, model size (MB of the fp32
   state dict), GFLOPs (mmengine's counter), latency (median of interleaved rounds: every model is timed in
   the same run, so ratios are fair);
2. for the variants of --train: its committed CPU-budget config,
   projects/fast_person_segmentation/configs/cpu_budget/<variant>.py -- the variant config on the CCP person
   masks (tools/dataset_converters/ccp.py tree) at the budget of
   projects/fast_person_segmentation/configs/_base_/cpu_budget.py: from scratch, 300 iterations of batch 4 at
   256 x 256 crops, the same seed and data for every variant -- trained with tools/train.py and evaluated on
   the val split (person IoU).
Runs with a finished summary in their work dir are reused. Writes results.json and results.md to --work-dir.

Example:
    python projects/fast_person_segmentation/run_study.py --data-root data/ccp --work-dir work_dirs/fast_person
"""

import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(REPO, 'tools', 'train.py')
BUDGET_CONFIGS = osp.join(REPO, 'projects', 'fast_person_segmentation', 'configs', 'cpu_budget')

# Each variant's full config (costs are measured on it); its CPU-budget config is BUDGET_CONFIGS/<variant>.py.
VARIANTS = {
    'segformer_b0': 'configs/sersegformer/segformer_b0_8xb2-160k_easyportrait-person-512x512.py',
    'convdec': 'configs/sersegformer/sersegformer_b0-convdec_8xb2-160k_easyportrait-person-512x512.py',
    'convdec_abg_dbn_dam': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam_8xb2-160k_easyportrait-person-'
    '512x512.py',
    'convdec_abg_dbn_dam_afn': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-afn_8xb2-160k_easyportrait-'
    'person-512x512.py',
    'convdec_abg_dbn_dam_depth': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-depth_8xb2-160k_ccp-'
    'person-512x512.py',
    'sernet_former_effb0': 'configs/sernet_former/sernet_former_effb0_8xb2-160k_easyportrait-person-512x512.py',
    'sernet_former_r50': 'configs/sernet_former/sernet_former_r50_8xb2-160k_easyportrait-person-512x512.py',
}
# Variants trained by default (ResNet-50 SERNet-Former is measured for cost only: too slow for the CPU budget).
TRAINED = (
    'segformer_b0',
    'convdec',
    'convdec_abg_dbn_dam',
    'convdec_abg_dbn_dam_afn',
    'convdec_abg_dbn_dam_depth',
    'sernet_former_effb0',
)


def measure_costs(names: List[str], shape, repeat: int, warmup: int) -> Dict[str, dict]:
    import torch
    from mmengine.config import Config

    from mmext.utils.benchmarking import (
        TensorMode,
        build_inference_segmentor,
        count_gflops,
        count_parameters,
        input_channels,
        state_size_mb,
        time_side_by_side,
    )

    models, inputs, costs = {}, {}, {}
    for name in names:
        cfg = Config.fromfile(osp.join(REPO, VARIANTS[name]))
        model = TensorMode(build_inference_segmentor(cfg))
        x = torch.randn(1, input_channels(cfg), *shape)
        models[name], inputs[name] = model, x
        params = count_parameters(model)
        size_mb = state_size_mb(model)
        costs[name] = dict(params_M=params / 1e6, size_MB=size_mb, GFLOPs=count_gflops(model, x))
        print(f'    {name}: {params / 1e6:.3f} M parameters, {costs[name]["GFLOPs"]:.2f} GFLOPs', flush=True)
    timings = time_side_by_side({n: (lambda m=models[n], x=inputs[n]: m(x)) for n in names}, repeat, warmup)
    base = timings[names[0]]['median_ms']
    for name in names:
        costs[name].update(
            latency_ms=timings[name]['median_ms'],
            latency_p90_ms=timings[name]['p90_ms'],
            latency_ratio=timings[name]['median_ms'] / base,
        )
    return costs


def budget_config(name: str) -> str:
    return osp.join(BUDGET_CONFIGS, f'{name}.py')


def train(name: str, args) -> dict:
    from mmengine.config import Config

    from mmext.utils.cpu_budget import finished_summary, run_options, train_run

    config, run_dir = budget_config(name), osp.join(args.work_dir, name)
    if finished_summary(run_dir) is None:
        pipeline = Config.fromfile(config).train_dataloader.dataset.pipeline
        if any(step.type == 'LoadDepthMap' for step in pipeline) and not osp.isdir(osp.join(args.data_root, 'depth')):
            raise SystemExit(
                f'error: {name} reads depth maps from {args.data_root}/depth: run '
                f'tools/misc/precompute_depth.py --data-root {args.data_root} --provider midas_small '
                '--weights midas_v21_small_256.pt first'
            )
    return train_run(TRAIN, config, run_dir, run_options(args.data_root, args.seed) + args.cfg_options)


def write_table(rows: Dict[str, dict], args, path: str) -> None:
    shape = f'{args.cost_shape[0]}x{args.cost_shape[1]}'
    lines = [
        f'| variant | params (M) | size (MB) | GFLOPs @{shape} | CPU latency @{shape} (ms) | x SegFormer-B0 | '
        'person IoU | background IoU | mIoU | train time (s) |',
        '|---|---|---|---|---|---|---|---|---|---|',
    ]
    for name, row in rows.items():
        metrics = row.get('metrics', {})

        def fmt(key, digits=1):
            return f'{metrics[key]:.{digits}f}' if key in metrics else '-'

        lines.append(
            f'| {name} | {row["params_M"]:.3f} | {row["size_MB"]:.1f} | {row["GFLOPs"]:.2f} | '
            f'{row["latency_ms"]:.0f} | {row["latency_ratio"]:.2f} | {fmt("gIoU.person")} | '
            f'{fmt("gIoU.background")} | {fmt("mIoU")} | '
            + (f'{row["train_time_s"]:.0f}' if row.get('train_time_s') else '-')
            + ' |'
        )
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/ccp', help='CCP tree written by tools/dataset_converters/ccp.py')
    parser.add_argument('--work-dir', default='work_dirs/fast_person', help='one sub-folder per trained variant')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument(
        '--train',
        nargs='*',
        default=list(TRAINED),
        choices=list(VARIANTS),
        help='variants to train (default: all but SERNet-Former R50)',
    )
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='passed on to tools/train.py for every trained variant, e.g. for a quick check (the '
        'README\'s table uses none)',
    )
    parser.add_argument('--cost-shape', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument('--repeat', type=int, default=10, help='timed rounds per model (default: 10)')
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args(argv)

    import mmext  # noqa: F401

    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    print(f'==> cost of {len(args.variants)} variants at {args.cost_shape[0]}x{args.cost_shape[1]}', flush=True)
    rows = measure_costs(args.variants, tuple(args.cost_shape), args.repeat, args.warmup)
    from mmext.utils.cpu_budget import budget_of, trained_config

    budget = None
    for name in args.variants:
        if name in args.train:
            summary = train(name, args)
            metrics = summary.get('val_metrics', {})
            rows[name].update(metrics=metrics, train_time_s=summary.get('train_time_s'))
            if budget is None:  # every variant trains at the same budget: the first one's, as it ran
                budget = budget_of(trained_config(budget_config(name), osp.join(args.work_dir, name)))
    from mmext.utils.run_records import provenance

    # machine (CPU, threads, versions), code (commit), command
    configs = {
        name: dict(
            cost=VARIANTS[name], **({'trained': osp.relpath(budget_config(name), REPO)} if name in args.train else {})
        )
        for name in args.variants
    }
    result = dict(
        rows=rows, budget=budget, configs=configs, cfg_options=args.cfg_options, **provenance(argv, __file__, repo=REPO)
    )
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(result, f, indent=2)
    write_table(rows, args, osp.join(args.work_dir, 'results.md'))
    print(open(osp.join(args.work_dir, 'results.md')).read())
    print(f'Study finished in {time.time() - start:.0f} s; results.json and results.md in {osp.abspath(args.work_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
