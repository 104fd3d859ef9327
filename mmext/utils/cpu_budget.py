"""Turn a full training config into a short, from-scratch CPU run on the CCP tree, and run it.

Used by the studies' reproduction scripts (projects/*/run_*.py): every variant gets the same data, crop,
batch, iterations, learning-rate schedule and seed, so their numbers compare within one table.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CCP_PHOTO_HW = (832, 550)


def adapt_to_cpu_budget(cfg: Config,
                        data_root: str,
                        label_mode: str,
                        iters: int,
                        batch_size: int,
                        crop: int,
                        lr: float,
                        seed: int,
                        evaluator: List[dict],
                        load_from: Optional[str] = None) -> Config:
    """The config's model and pipelines on ``CCPDataset`` (train/val splits) at ``crop`` for ``iters`` iterations.

    Pipelines keep their steps; resize scales are set so that the photo is scaled like the crop (512 -> crop),
    crops become ``crop`` x ``crop``. The model trains from scratch (no pretrained backbone) with the config's
    optimizer at ``lr``, a linear warm-up over 1/12 of the run and poly decay; one checkpoint at the end.
    """
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader_cfg = cfg[loader]
        pipeline = loader_cfg.dataset.pipeline
        for step in pipeline:
            if step.type in ('RandomResize', 'Resize'):
                step.scale = (CCP_PHOTO_HW[0] * crop // 512, CCP_PHOTO_HW[1] * crop // 512)
            elif step.type == 'RandomCrop':
                step.crop_size = (crop, crop)
        split = 'train' if loader == 'train_dataloader' else 'val'
        loader_cfg.dataset = dict(type='CCPDataset', data_root=data_root, split=split, label_mode=label_mode,
                                  pipeline=pipeline)
        loader_cfg.num_workers = 2 if loader == 'train_dataloader' else 1
        loader_cfg.persistent_workers = False
    cfg.val_evaluator = cfg.test_evaluator = evaluator
    cfg.train_dataloader.batch_size = batch_size
    cfg.model.data_preprocessor.size = (crop, crop)
    if 'backbone' in cfg.model:
        cfg.model.backbone.init_cfg = None
    cfg.load_from = load_from
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
    warmup = max(1, iters // 12)
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup)]
    if iters > warmup:
        cfg.param_scheduler.append(dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup, end=iters))
    cfg.default_hooks.logger.interval = max(1, iters // 10)
    cfg.default_hooks.checkpoint.update(interval=iters, max_keep_ckpts=1, save_best=None)
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook', draw=False)
    cfg.custom_hooks = [dict(type='RunSummaryHook')]
    cfg.randomness = dict(seed=seed)
    return cfg


def finished_summary(run_dir: str) -> Optional[dict]:
    """The run summary of a finished run in ``run_dir`` (final validation done), else None."""
    path = osp.join(run_dir, 'run_summary.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        summary = json.load(f)
    return summary if 'val_metrics' in summary else None


def train_run(cfg: Config, name: str, run_dir: str) -> dict:
    """Train ``cfg`` with tools/train.py in ``run_dir`` (reusing a finished run there); return its summary."""
    summary = finished_summary(run_dir)
    if summary is not None:
        print(f'==> {name}: finished run found in {run_dir}', flush=True)
        return summary
    os.makedirs(run_dir, exist_ok=True)
    config_path = osp.join(run_dir, f'{name}.py')
    cfg.dump(config_path)
    print(f'==> training {name} ({cfg.train_cfg.max_iters} iterations) in {run_dir}', flush=True)
    start = time.time()
    result = subprocess.run([sys.executable, osp.join(REPO, 'tools/train.py'), config_path, '--work-dir', run_dir],
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f'error: training {name} failed; its log is in {run_dir}')
    print(f'    done in {time.time() - start:.0f} s', flush=True)
    summary = finished_summary(run_dir)
    if summary is None:
        raise SystemExit(f'error: {name} finished without a final validation summary in {run_dir}')
    return summary
