#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Study 4's models at a CPU budget on CCP, and each post-processing step's effect on them.

Each variant (model x task, task = 'person' or 'fashion7') trains its committed config,
projects/fashion_pixel/configs/cpu_budget_800it/<variant>.py -- the project's 80k config at the budget of
projects/fashion_pixel/configs/_base_/cpu_budget_800it.py: from scratch, 800 iterations of batch 8 at
256 x 256 crops, the same seed and data for all -- with tools/train.py, and is evaluated on the val split. Then
tools/analysis_tools/postprocess_effect.py runs the trained model on every val photo with the dense CRF,
small-region removal, the superpixel vote, and all three chained, and reports each one's mIoU change and added
latency. Finished runs and finished post-processing reports in --work-dir are reused. Writes results.json and
results.md (one row per model, task and post-processing variant) to --work-dir.

Example:
    python projects/fashion_pixel/run_cpu_budget.py --data-root data/ccp --work-dir work_dirs/fashion_pixel_cpu
"""

import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(REPO, 'tools', 'train.py')
CONFIGS = osp.join(REPO, 'projects', 'fashion_pixel', 'configs', 'cpu_budget_800it')
# Each variant's task; its config is CONFIGS/<variant>.py.
VARIANTS = {
    'topformer_b_person': 'person',
    'topformer_b_fashion7': 'fashion7',
    'u2netp_person': 'person',
    'u2netp_fashion7': 'fashion7',
    'deeplabv3plus_mobilenetv3_fashion7': 'fashion7',
    'deeplabv3plus_r50_person': 'person',
    'deeplabv3_r50_person': 'person',
}
# Trained by default: the ResNet-50 DeepLabs and U2NETP cost too much per iteration for a CPU budget.
DEFAULT_VARIANTS = ('topformer_b_person', 'topformer_b_fashion7', 'deeplabv3plus_mobilenetv3_fashion7')
STEPS = ('crf', 'small_regions', 'superpixel')
VARIANT_LABELS = dict(
    none='none',
    crf='dense CRF',
    small_regions='small-region removal',
    superpixel='superpixel vote',
    all='all three, chained',
)


def config_path(name: str) -> str:
    return osp.join(CONFIGS, f'{name}.py')


def postprocess_report(name: str, run_dir: str, iters: int, args) -> dict:
    """Run postprocess_effect.py on the last checkpoint (``iters``) of ``run_dir`` (or reuse its report)."""
    out = osp.join(run_dir, 'postprocess_effect.json')
    if not osp.isfile(out):
        print(f'==> post-processing effect for {name}', flush=True)
        command = [
            sys.executable,
            osp.join(REPO, 'tools/analysis_tools/postprocess_effect.py'),
            osp.join(run_dir, f'{name}.py'),
            osp.join(run_dir, f'iter_{iters}.pth'),
            '--steps',
            *STEPS,
            '--num-workers',
            '0',
            '--out',
            out,
        ]
        if args.num:
            command += ['--num', str(args.num)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f'error: postprocess_effect.py failed for {name}')
    with open(out) as f:
        return json.load(f)


def write_table(reports: dict, path: str) -> None:
    lines = [
        '| model | task | post-processing | mIoU | change | aAcc | model latency (ms) | added latency (ms) |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for name, report in reports.items():
        task = VARIANTS[name]
        model = name[: -len(task) - 1]
        for variant, result in report['results'].items():
            change = '--' if variant == 'none' else f'{result["delta_mIoU"]:+.2f}'
            added = '--' if variant == 'none' else f'{result["added_latency_ms"]:.0f}'
            lines.append(
                f'| {model} | {task} | {VARIANT_LABELS[variant]} | {result["mIoU"]:.2f} | {change} | '
                f'{result["aAcc"]:.2f} | {report["model_latency_ms"]:.0f} | {added} |'
            )
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def recorded_budget(configs: list, args) -> dict:
    """What the trained configs ran at: ``lr`` of the AdamW models, ``sgd_lr`` of the SGD ones (None if none ran)."""
    from mmext.utils.cpu_budget import budget_of

    lrs = {cfg.optim_wrapper.optimizer.type: cfg.optim_wrapper.optimizer.lr for cfg in configs}
    budget = budget_of(configs[0])
    return dict(
        iters=budget['iters'],
        batch_size=budget['batch_size'],
        crop=budget['crop'],
        lr=lrs.get('AdamW'),
        sgd_lr=lrs.get('SGD'),
        seed=budget['seed'],
        data_root=budget['data_root'],
        num=args.num,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/ccp', help='CCP tree written by tools/dataset_converters/ccp.py')
    parser.add_argument('--work-dir', default='work_dirs/fashion_pixel_cpu', help='one sub-folder per variant')
    parser.add_argument('--variants', nargs='+', default=list(DEFAULT_VARIANTS), choices=list(VARIANTS))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num', type=int, help='post-process only the first N val photos (default: all)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='passed on to tools/train.py for every variant, e.g. for a quick check (the README\'s table uses none)',
    )
    args = parser.parse_args(argv)

    import mmext  # noqa: F401
    from mmext.utils.cpu_budget import run_options, train_run, trained_config

    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    options = run_options(args.data_root, args.seed) + args.cfg_options
    reports, trained = {}, {}
    for name in args.variants:
        run_dir = osp.join(args.work_dir, name)
        summary = train_run(TRAIN, config_path(name), run_dir, options)
        trained[name] = trained_config(config_path(name), run_dir)
        reports[name] = postprocess_report(name, run_dir, trained[name].train_cfg.max_iters, args)
        reports[name]['train_time_s'] = summary.get('train_time_s')
    budget = recorded_budget(list(trained.values()), args)
    from mmext.utils.run_records import provenance

    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        # machine (CPU, threads, versions), code (commit), command; each report holds its own postprocess_effect
        # provenance too
        json.dump(
            dict(
                reports=reports,
                budget=budget,
                configs={n: osp.relpath(config_path(n), REPO) for n in reports},
                cfg_options=args.cfg_options,
                **provenance(argv, __file__, repo=REPO),
            ),
            f,
            indent=2,
        )
    write_table(reports, osp.join(args.work_dir, 'results.md'))
    print(open(osp.join(args.work_dir, 'results.md')).read())
    print(f'Finished in {time.time() - start:.0f} s; results.json and results.md in {osp.abspath(args.work_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
