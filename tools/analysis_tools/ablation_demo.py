#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Run the Dress Code auxiliary-task ablation family on a synthetic set, on the CPU, and print the table.

Each config of configs/ablations/dresscode_aux/ is scaled down for a short CPU run: smaller images (the
pixel sizes of crops, limb widths and Gaussians scale with them), training from scratch (no ImageNet
weights needed), the given number of iterations, the same seed and data for every variant. The adapted
config is saved in each run's work dir; runs whose work dir already holds a finished summary are reused.
Finally tools/analysis_tools/ablation_table.py writes ablation.{md,csv,png}.

Example (the `make demo` defaults):
    python tools/analysis_tools/ablation_demo.py --data-root data/dresscode_demo --work-dir work_dirs/ablation_demo
"""

import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Tuple

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ABLATION_DIR = osp.join(REPO, 'configs', 'ablations', 'dresscode_aux')
VARIANTS = (
    'seg_only',
    'landmarks',
    'skeleton',
    'landmarks_skeleton',
    'depth_aux',
    'pose_input',
    'depth_input',
    'pose_input_landmarks',
)
# Pixel-sized arguments of transforms, scaled with the image.
PIXEL_ARGS = {'ConcatExtraChannels': ('sigma', 'limb_width')}


def parse_hw(text: str) -> Tuple[int, int]:
    try:
        height, width = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected HxW, got {text!r}') from None
    return height, width


def adapt_config(
    cfg: Config, data_root: str, image_hw: Tuple[int, int], iters: int, batch_size: int, seed: int, lr: float
) -> Config:
    """Scale a Dress Code ablation config (1024 x 768 photos, 80k iterations) to a short CPU run."""
    from mmext.datasets.transforms.geometry import RESIZE_TYPES

    height, width = image_hw
    old_long = max(cfg.get('image_scale', (768, 1024)))
    factor = max(height, width) / old_long
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader_cfg = cfg[loader]
        loader_cfg.dataset.data_root = data_root
        loader_cfg.num_workers = 2 if loader == 'train_dataloader' else 1
        loader_cfg.persistent_workers = False
        for step in loader_cfg.dataset.pipeline:
            if step.type in ('RandomResize', *RESIZE_TYPES):
                step.scale = (min(height, width), max(height, width))
            elif step.type == 'PoseAwareRandomCrop':
                step.crop_size = (height, width)
            for key in PIXEL_ARGS.get(step.type, ()):
                if key in step:
                    step[key] = float(step[key]) * factor
            if step.type == 'ConcatExtraChannels':
                step.setdefault('sigma', 6.0 * factor)
            if step.type == 'GenerateLimbMaps':
                step.encoder.width = float(step.encoder.width) * factor
    skeleton_head = cfg.model.get('aux_task_heads', {}).get('skeleton')
    if skeleton_head is not None and 'decoder' in skeleton_head:
        skeleton_head.decoder.width = float(skeleton_head.decoder.width) * factor  # the same codec as the targets
    cfg.train_dataloader.batch_size = batch_size
    cfg.model.data_preprocessor.size = (height, width)
    cfg.model.backbone.init_cfg = None
    cfg.model.backbone.drop_path_rate = 0.0
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    warmup = max(1, iters // 12)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup),
        dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup, end=iters),
    ]
    cfg.default_hooks.logger.interval = max(1, iters // 10)
    cfg.default_hooks.checkpoint.update(interval=iters, max_keep_ckpts=1, save_best=None)
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook', draw=False)
    cfg.randomness = dict(seed=seed)
    return cfg


def ensure_data(data_root: str, num: int, image_hw: Tuple[int, int]) -> None:
    from mmext.testing.synthetic_dresscode import MARKER_FILE

    if osp.isfile(osp.join(data_root, MARKER_FILE)):
        print(f'==> synthetic Dress Code already in {data_root}')
        return
    if osp.isdir(data_root) and os.listdir(data_root):
        raise SystemExit(f'error: {data_root} holds data that is not the synthetic set; pass another --data-root')
    print(
        f'==> writing a synthetic Dress Code set to {data_root} ({num} per category, {image_hw[0]}x{image_hw[1]})',
        flush=True,
    )
    subprocess.run(
        [
            sys.executable,
            osp.join(REPO, 'tools/misc/make_synthetic_dresscode.py'),
            '--out',
            data_root,
            '--num',
            str(num),
            '--seed',
            '0',
            '--size',
            f'{image_hw[0]}x{image_hw[1]}',
        ],
        check=True,
    )


def finished(work_dir: str) -> bool:
    path = osp.join(work_dir, 'run_summary.json')
    if not osp.isfile(path):
        return False
    with open(path) as f:
        summary = json.load(f)
    return 'val_metrics' in summary and 'train_time_s' in summary


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/dresscode_demo', help='synthetic set (written if missing)')
    parser.add_argument('--work-dir', default='work_dirs/ablation_demo', help='one sub-folder per run')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument('--seeds', nargs='+', type=int, default=[0], help='one run per seed and variant')
    parser.add_argument('--iters', type=int, default=400, help='training iterations per run (default: 400)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--lr', type=float, default=0.002, help='AdamW lr for training from scratch')
    parser.add_argument('--image-size', type=parse_hw, default=(128, 96), help='training/test size HxW')
    parser.add_argument('--num', type=int, default=100, help='synthetic photos per category (if generated)')
    parser.add_argument('--data-size', type=parse_hw, default=(256, 192), help='synthetic photo size HxW')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    ensure_data(args.data_root, args.num, args.data_size)
    run_dirs: List[str] = []
    jobs = [(v, s) for s in args.seeds for v in args.variants]
    for i, (variant, seed) in enumerate(jobs, 1):
        run_dir = osp.join(args.work_dir, variant if len(args.seeds) == 1 else f'{variant}_seed{seed}')
        run_dirs.append(run_dir)
        if finished(run_dir):
            print(f'==> [{i}/{len(jobs)}] {variant} (seed {seed}): finished run found in {run_dir}')
            continue
        cfg = adapt_config(
            Config.fromfile(osp.join(ABLATION_DIR, f'{variant}.py')),
            args.data_root,
            args.image_size,
            args.iters,
            args.batch_size,
            seed,
            args.lr,
        )
        os.makedirs(run_dir, exist_ok=True)
        config_path = osp.join(run_dir, f'{variant}.py')
        cfg.dump(config_path)
        print(
            f'==> [{i}/{len(jobs)}] training {variant} (seed {seed}, {args.iters} iterations) in {run_dir}', flush=True
        )
        run_start = time.time()
        result = subprocess.run(
            [sys.executable, osp.join(REPO, 'tools/train.py'), config_path, '--work-dir', run_dir],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
            print(f'error: training {variant} failed; its log is in {run_dir}', file=sys.stderr)
            return 1
        print(f'    done in {time.time() - run_start:.0f} s', flush=True)
    table_args = [
        sys.executable,
        osp.join(REPO, 'tools/analysis_tools/ablation_table.py'),
        *run_dirs,
        '--out',
        args.work_dir,
        '--shape',
        str(args.image_size[0]),
        str(args.image_size[1]),
    ]
    subprocess.run(table_args, check=True)
    print(f'Ablation demo finished in {time.time() - start:.0f} s; runs and table in {osp.abspath(args.work_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
