#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Study 1's recipes at a CPU budget on the CCP copy (study-1 grouping), and the table in study 1's format.

Each variant trains its committed config,
projects/clothing_topformer_vs_u2net/configs/cpu_budget_<budget>/<variant>.py: the iMaterialist config moved
to CCP with label_mode='clothing4' (study 1's grouping of CCP's 59 labels) at the short from-scratch budget of
projects/clothing_topformer_vs_u2net/configs/_base_/cpu_budget_<budget>.py (the same crop, batch, seed and data
for all), with tools/train.py.
U2Net runs in its small size (U2NETP) -- the full 44 M model does not train on a CPU budget. The Lovasz row
fine-tunes the final checkpoint of the CE + Dice + heavy-augmentation run of --work-dir at a tenth of the lr.
Evaluation on the val split: per-image IoU of upper / lower / whole (study 1's measure), dataset-level IoU,
parameters and CPU latency at the training crop (batch 1, interleaved rounds). Writes results.json and results.md.

Budgets (--budget): 300it, the earlier smoke scale (300 iterations of batch 4 for every row, Lovasz 100), and
1500it, the README's table (TopFormer-B 1500 iterations of batch 8, U2NETP 200 -- the same wall-clock --, Lovasz
300).

Example:
    python projects/clothing_topformer_vs_u2net/run_cpu_budget.py --budget 1500it --data-root data/ccp \\
        --work-dir work_dirs/study1_cpu1500
"""

import argparse
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(REPO, 'tools', 'train.py')
CONFIGS = osp.join(REPO, 'projects', 'clothing_topformer_vs_u2net', 'configs')
BUDGETS = ('300it', '1500it')
# The variants; each budget's config of one is CONFIGS/cpu_budget_<budget>/<variant>.py.
VARIANTS = (
    'topformer_b_ce',
    'topformer_b_ce-dice',
    'topformer_b_ce-dice-heavyaug',
    'topformer_b_lovasz-ft',
    'u2netp_ce',
    'u2netp_ce-dice',
)
LOVASZ, LOVASZ_START = 'topformer_b_lovasz-ft', 'topformer_b_ce-dice-heavyaug'
GROUPS = ('upper', 'lower', 'whole')


def config_path(name: str, budget: str) -> str:
    return osp.join(CONFIGS, f'cpu_budget_{budget}', f'{name}.py')


def options_for(name: str, args) -> list:
    """The data root, seed and --cfg-options; for an unfinished Lovasz row, the last checkpoint of this work dir's
    heavy-augmentation run to start from."""
    from mmext.utils.cpu_budget import finished_summary, run_options, trained_config

    options = run_options(args.data_root, args.seed) + args.cfg_options
    if name == LOVASZ and finished_summary(osp.join(args.work_dir, name)) is None:
        start_dir = osp.join(args.work_dir, LOVASZ_START)
        if finished_summary(start_dir) is None:
            raise SystemExit(
                f'error: the Lovasz row fine-tunes the last checkpoint of {start_dir}: train {LOVASZ_START} first'
            )
        start = trained_config(config_path(LOVASZ_START, args.budget), start_dir)
        options.append(f'load_from={osp.join(start_dir, f"iter_{start.train_cfg.max_iters}.pth")}')
    return options


def measure_costs(configs: dict, crop: int, args) -> dict:
    import torch

    from mmext.utils.benchmarking import TensorMode, build_inference_segmentor, time_side_by_side

    models = {n: TensorMode(build_inference_segmentor(cfg)) for n, cfg in configs.items()}
    x = torch.randn(1, 3, crop, crop)
    timings = time_side_by_side({n: (lambda m=m: m(x)) for n, m in models.items()}, args.repeat, args.warmup)
    return {
        n: dict(params_M=sum(p.numel() for p in models[n].parameters()) / 1e6, latency_ms=timings[n]['median_ms'])
        for n in configs
    }


def recorded_budget(configs: dict) -> dict:
    """What the trained configs ran at: iterations per kind of row (None for a kind not run), batch, crop, the
    from-scratch lr, seed and data root."""
    from mmext.utils.cpu_budget import budget_of

    def iters(names):
        return next((configs[n].train_cfg.max_iters for n in names if n in configs), None)

    scratch = [cfg for name, cfg in configs.items() if name != LOVASZ]
    budget = budget_of((scratch or list(configs.values()))[0])
    return dict(
        iters=iters([n for n in VARIANTS if n.startswith('topformer') and n != LOVASZ]),
        u2netp_iters=iters([n for n in VARIANTS if n.startswith('u2netp')]),
        lovasz_iters=iters([LOVASZ]),
        batch_size=budget['batch_size'],
        crop=budget['crop'],
        lr=budget['lr'] if scratch else None,
        seed=budget['seed'],
        data_root=budget['data_root'],
    )


def write_table(rows: dict, crop: int, path: str) -> None:
    lines = [
        '| model / recipe | per-image IoU upper | lower | whole | mean | dataset IoU upper | lower | whole '
        f'| params (M) | CPU latency @{crop} (ms) | train time (s) |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
    ]
    for name, row in rows.items():
        m = row['metrics']

        def fmt(key):
            return f'{m[key]:.1f}' if key in m else '-'

        lines.append(
            f'| {name} | '
            + ' | '.join(fmt(f'per_image_iou.{g}') for g in GROUPS)
            + f' | {fmt("per_image_mIoU")} | '
            + ' | '.join(fmt(f'gIoU.{g}') for g in GROUPS)
            + f' | {row["params_M"]:.2f} | {row["latency_ms"]:.0f} | {row["train_time_s"]:.0f} |'
        )
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/ccp', help='CCP tree written by tools/dataset_converters/ccp.py')
    parser.add_argument('--work-dir', default='work_dirs/clothing_cpu_budget', help='one sub-folder per variant')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument(
        '--budget',
        default='300it',
        choices=BUDGETS,
        help='configs/cpu_budget_<budget>/ (default: 300it; the README\'s table is 1500it)',
    )
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='passed on to tools/train.py for every variant, e.g. for a quick check (the README\'s tables use none)',
    )
    parser.add_argument('--repeat', type=int, default=10, help='timed rounds per model (default: 10)')
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args(argv)

    import mmext  # noqa: F401
    from mmext.utils.cpu_budget import train_run, trained_config

    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    rows, trained = {}, {}
    for name in args.variants:
        run_dir = osp.join(args.work_dir, name)
        summary = train_run(TRAIN, config_path(name, args.budget), run_dir, options_for(name, args))
        trained[name] = trained_config(config_path(name, args.budget), run_dir)
        rows[name] = dict(metrics=summary['val_metrics'], train_time_s=summary.get('train_time_s') or 0)
    budget = recorded_budget(trained)
    print(f'==> parameters and latency at {budget["crop"]}x{budget["crop"]}', flush=True)
    for name, cost in measure_costs(trained, budget['crop'], args).items():
        rows[name].update(cost)
    from mmext.utils.run_records import provenance

    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        # machine (CPU, threads, versions), code (commit), command; the configs are each row's under CONFIGS
        json.dump(
            dict(
                rows=rows,
                budget=budget,
                configs={n: osp.relpath(config_path(n, args.budget), REPO) for n in rows},
                cfg_options=args.cfg_options,
                **provenance(argv, __file__, repo=REPO),
            ),
            f,
            indent=2,
        )
    write_table(rows, budget['crop'], osp.join(args.work_dir, 'results.md'))
    print(open(osp.join(args.work_dir, 'results.md')).read())
    print(f'Finished in {time.time() - start:.0f} s; results.json and results.md in {osp.abspath(args.work_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
