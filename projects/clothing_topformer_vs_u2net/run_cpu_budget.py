#!/usr/bin/env python
"""Study 1's recipes at a CPU budget on the CCP copy (study-1 grouping), and the table in study 1's format.

Each variant's iMaterialist config (configs/) is moved to CCP with label_mode='clothing4' (study 1's grouping
of CCP's 59 labels) and a short from-scratch budget (mmext/utils/cpu_budget.py): --iters iterations of
batch --batch-size at --crop x --crop, the same seed and data for all. U2Net runs in its small size
(U2NETP) -- the full 44 M model does not train on a CPU budget. The Lovasz row fine-tunes the final
checkpoint of the CE + Dice + heavy-augmentation run for --lovasz-iters iterations at a tenth of the lr.
Evaluation on the val split: per-image IoU of upper / lower / whole (study 1's measure), dataset-level IoU,
parameters and CPU latency at --crop (batch 1, interleaved rounds). Writes results.json and results.md.

Example:
    python projects/clothing_topformer_vs_u2net/run_cpu_budget.py --data-root data/ccp \\
        --work-dir work_dirs/clothing_cpu_budget
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
CONFIGS = osp.join(REPO, 'projects', 'clothing_topformer_vs_u2net', 'configs')
SUFFIX = '_8xb2-160k_imaterialist-grouped4-768x768.py'
VARIANTS = {
    'topformer_b_ce': 'topformer_b_ce' + SUFFIX,
    'topformer_b_ce-dice': 'topformer_b_ce-dice' + SUFFIX,
    'topformer_b_ce-dice-heavyaug': 'topformer_b_ce-dice-heavyaug' + SUFFIX,
    'topformer_b_lovasz-ft': 'topformer_b_lovasz-ft_8xb2-20k_imaterialist-grouped4-768x768.py',
    'u2netp_ce': 'u2net_full_ce' + SUFFIX,
    'u2netp_ce-dice': 'u2net_full_ce-dice' + SUFFIX,
}
GROUPS = ('upper', 'lower', 'whole')


def evaluator() -> list:
    return [
        dict(type='ClassIoUMetric'),
        dict(type='GroupIoUMetric', groups={g: [i] for i, g in enumerate(GROUPS, 1)}),
        dict(type='PerImageIoUMetric', classes=GROUPS),
    ]


def build_config(name: str, args):
    from mmengine.config import Config

    from mmext.utils.cpu_budget import adapt_to_cpu_budget
    cfg = Config.fromfile(osp.join(CONFIGS, VARIANTS[name]))
    iters, lr, load_from = args.iters, args.lr, None
    if name.startswith('u2netp'):
        cfg.model.backbone.arch = 'small'
        iters = args.u2netp_iters or args.iters
    if name == 'topformer_b_lovasz-ft':
        iters, lr = args.lovasz_iters, args.lr / 10
        load_from = osp.join(args.work_dir, 'topformer_b_ce-dice-heavyaug', f'iter_{args.iters}.pth')
        if not osp.isfile(load_from):
            raise SystemExit(f'error: the Lovasz row fine-tunes {load_from}: train topformer_b_ce-dice-heavyaug first')
    return adapt_to_cpu_budget(cfg, args.data_root, 'clothing4', iters, args.batch_size, args.crop, lr, args.seed,
                               evaluator(), load_from=load_from)


def measure_costs(names, args) -> dict:
    import torch

    from mmext.utils.benchmarking import TensorMode, build_inference_segmentor, time_side_by_side
    models = {n: TensorMode(build_inference_segmentor(build_config(n, args) if n != 'topformer_b_lovasz-ft' else
                                                      build_config('topformer_b_ce', args))) for n in names}
    x = torch.randn(1, 3, args.crop, args.crop)
    timings = time_side_by_side({n: (lambda m=m: m(x)) for n, m in models.items()}, args.repeat, args.warmup)
    return {n: dict(params_M=sum(p.numel() for p in models[n].parameters()) / 1e6,
                    latency_ms=timings[n]['median_ms']) for n in names}


def write_table(rows: dict, args, path: str) -> None:
    lines = [
        '| model / recipe | per-image IoU upper | lower | whole | mean | dataset IoU upper | lower | whole '
        f'| params (M) | CPU latency @{args.crop} (ms) | train time (s) |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
    ]
    for name, row in rows.items():
        m = row['metrics']

        def fmt(key):
            return f'{m[key]:.1f}' if key in m else '-'

        lines.append(f'| {name} | ' + ' | '.join(fmt(f'per_image_iou.{g}') for g in GROUPS) +
                     f' | {fmt("per_image_mIoU")} | ' + ' | '.join(fmt(f'gIoU.{g}') for g in GROUPS) +
                     f' | {row["params_M"]:.2f} | {row["latency_ms"]:.0f} | {row["train_time_s"]:.0f} |')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/ccp', help='CCP tree written by tools/dataset_converters/ccp.py')
    parser.add_argument('--work-dir', default='work_dirs/clothing_cpu_budget', help='one sub-folder per variant')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument('--iters', type=int, default=300, help='training iterations per variant (default: 300)')
    parser.add_argument('--u2netp-iters', type=int, default=None,
                        help='iterations of the U2NETP rows, e.g. to match TopFormer-B wall-clock (default: --iters)')
    parser.add_argument('--lovasz-iters', type=int, default=100, help='Lovasz fine-tuning iterations (default: 100)')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--crop', type=int, default=192, help='training crop size (default: 192)')
    parser.add_argument('--lr', type=float, default=0.001, help='AdamW lr for training from scratch')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--repeat', type=int, default=10, help='timed rounds per model (default: 10)')
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args(argv)

    import mmext  # noqa: F401
    from mmext.utils.cpu_budget import train_run
    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    rows = {}
    for name in args.variants:
        summary = train_run(build_config(name, args), name, osp.join(args.work_dir, name))
        rows[name] = dict(metrics=summary['val_metrics'], train_time_s=summary.get('train_time_s') or 0)
    print(f'==> parameters and latency at {args.crop}x{args.crop}', flush=True)
    for name, cost in measure_costs(args.variants, args).items():
        rows[name].update(cost)
    budget = {k: getattr(args, k)
              for k in ('iters', 'u2netp_iters', 'lovasz_iters', 'batch_size', 'crop', 'lr', 'seed', 'data_root')}
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(rows=rows, budget=budget), f, indent=2)
    write_table(rows, args, osp.join(args.work_dir, 'results.md'))
    print(open(osp.join(args.work_dir, 'results.md')).read())
    print(f'Finished in {time.time() - start:.0f} s; results.json and results.md in {osp.abspath(args.work_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
