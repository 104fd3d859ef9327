#!/usr/bin/env python
"""Study 4's models at a CPU budget on CCP, and each post-processing step's effect on them.

For each variant (model x task, task = 'person' or 'fashion7'), the project's 80k config is moved to CCP at a
short from-scratch budget (mmext/utils/cpu_budget.py: --iters iterations of batch --batch-size at --crop x --crop,
the same seed and data for all), trained with tools/train.py and evaluated on the val split. Then
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
sys.path.insert(0, REPO)
PROJECT_CONFIGS = 'projects/fashion_pixel/configs'
VARIANTS = {
    'topformer_b_person': (f'{PROJECT_CONFIGS}/topformer_b_8xb2-80k_ccp-person-512x512.py', 'person'),
    'topformer_b_fashion7': (f'{PROJECT_CONFIGS}/topformer_b_8xb2-80k_ccp-fashion7-512x512.py', 'fashion7'),
    'u2netp_person': (f'{PROJECT_CONFIGS}/u2net_small_8xb2-80k_ccp-person-512x512.py', 'person'),
    'u2netp_fashion7': (f'{PROJECT_CONFIGS}/u2net_small_8xb2-80k_ccp-fashion7-512x512.py', 'fashion7'),
    'deeplabv3plus_mobilenetv3_fashion7':
    ('configs/deeplabv3plus/deeplabv3plus_timm-mobilenetv3_4xb4-80k_ccp-fashion7-512x512.py', 'fashion7'),
    'deeplabv3plus_r50_person': ('configs/deeplabv3plus/deeplabv3plus_r50-d8_4xb4-80k_ccp-person-512x512.py', 'person'),
    'deeplabv3_r50_person': ('configs/deeplabv3/deeplabv3_r50-d8_4xb4-80k_ccp-person-512x512.py', 'person'),
}
# Trained by default: the ResNet-50 DeepLabs and U2NETP cost too much per iteration for a CPU budget.
DEFAULT_VARIANTS = ('topformer_b_person', 'topformer_b_fashion7', 'deeplabv3plus_mobilenetv3_fashion7')
STEPS = ('crf', 'small_regions', 'superpixel')
VARIANT_LABELS = dict(none='none', crf='dense CRF', small_regions='small-region removal',
                      superpixel='superpixel vote', all='all three, chained')


def build_config(name: str, args):
    from mmengine.config import Config

    from mmext.utils.cpu_budget import adapt_to_cpu_budget
    config, label_mode = VARIANTS[name]
    cfg = Config.fromfile(osp.join(REPO, config))
    evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU'])]
    lr = args.sgd_lr if cfg.optim_wrapper.optimizer.type == 'SGD' else args.lr
    return adapt_to_cpu_budget(cfg, args.data_root, label_mode, args.iters, args.batch_size, args.crop, lr,
                               args.seed, evaluator)


def postprocess_report(name: str, run_dir: str, args) -> dict:
    """Run postprocess_effect.py on the trained checkpoint of ``run_dir`` (or reuse its report)."""
    out = osp.join(run_dir, 'postprocess_effect.json')
    if not osp.isfile(out):
        print(f'==> post-processing effect for {name}', flush=True)
        command = [sys.executable, osp.join(REPO, 'tools/analysis_tools/postprocess_effect.py'),
                   osp.join(run_dir, f'{name}.py'), osp.join(run_dir, f'iter_{args.iters}.pth'),
                   '--steps', *STEPS, '--num-workers', '0', '--out', out]
        if args.num:
            command += ['--num', str(args.num)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f'error: postprocess_effect.py failed for {name}')
    with open(out) as f:
        return json.load(f)


def write_table(reports: dict, path: str) -> None:
    lines = ['| model | task | post-processing | mIoU | change | aAcc | model latency (ms) | added latency (ms) |',
             '|---|---|---|---|---|---|---|---|']
    for name, report in reports.items():
        task = VARIANTS[name][1]
        model = name[:-len(task) - 1]
        for variant, result in report['results'].items():
            change = '--' if variant == 'none' else f'{result["delta_mIoU"]:+.2f}'
            added = '--' if variant == 'none' else f'{result["added_latency_ms"]:.0f}'
            lines.append(f'| {model} | {task} | {VARIANT_LABELS[variant]} | {result["mIoU"]:.2f} | {change} | '
                         f'{result["aAcc"]:.2f} | {report["model_latency_ms"]:.0f} | {added} |')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/ccp', help='CCP tree written by tools/dataset_converters/ccp.py')
    parser.add_argument('--work-dir', default='work_dirs/fashion_pixel_cpu', help='one sub-folder per variant')
    parser.add_argument('--variants', nargs='+', default=list(DEFAULT_VARIANTS), choices=list(VARIANTS))
    parser.add_argument('--iters', type=int, default=800, help='training iterations per variant (default: 800)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--crop', type=int, default=256, help='training crop size (default: 256)')
    parser.add_argument('--lr', type=float, default=0.001, help='AdamW lr, from scratch (TopFormer, U2NETP)')
    parser.add_argument('--sgd-lr', type=float, default=0.01, help='SGD lr, from scratch (the DeepLabs)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num', type=int, help='post-process only the first N val photos (default: all)')
    args = parser.parse_args(argv)

    import mmext  # noqa: F401
    from mmext.utils.cpu_budget import train_run
    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    reports = {}
    for name in args.variants:
        run_dir = osp.join(args.work_dir, name)
        summary = train_run(build_config(name, args), name, run_dir)
        reports[name] = postprocess_report(name, run_dir, args)
        reports[name]['train_time_s'] = summary.get('train_time_s')
    budget = {k: getattr(args, k) for k in ('iters', 'batch_size', 'crop', 'lr', 'sgd_lr', 'seed', 'data_root', 'num')}
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(reports=reports, budget=budget), f, indent=2)
    write_table(reports, osp.join(args.work_dir, 'results.md'))
    print(open(osp.join(args.work_dir, 'results.md')).read())
    print(f'Finished in {time.time() - start:.0f} s; results.json and results.md in {osp.abspath(args.work_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
