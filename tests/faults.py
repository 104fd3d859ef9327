# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Fault injection for the robustness tests: a tiny CPU training config and test-only modules.

Configs load this module with ``custom_imports = dict(imports=['mmext', 'faults'])``; subprocesses need
``tests/`` on ``PYTHONPATH`` (:data:`SUBPROCESS_ENV`).
"""

import os
import time
from pathlib import Path
from typing import Optional, Sequence

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmseg.registry import HOOKS, MODELS

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SUBPROCESS_ENV = {'PYTHONPATH': os.pathsep.join(filter(None, [str(TESTS), os.environ.get('PYTHONPATH')]))}
STALL_MARKER = 'FAULTS: checkpoint write stalled'


def tiny_config(path: Path, data_root: Path, extra: str = '', max_iters: int = 6) -> Path:
    """A small but real segmentation run on the synthetic Dress Code set (a few seconds on the CPU).

    Random scale, crop and flip draw from NumPy's generator, the decode head's dropout from torch's, so a
    resumed run only reproduces the uninterrupted one when both generators are restored. Checkpoints every
    2 iterations, logs every iteration without smoothing (``window_size=1``). ``extra`` is appended: Python
    statements such as ``default_hooks['checkpoint']['interval'] = 1`` (a new ``name = dict(...)`` replaces
    the whole entry).
    """
    path.write_text(f"""
_base_ = [{str(REPO / 'configs/_base_/default_runtime.py')!r}]
custom_imports = dict(imports=['mmext', 'faults'], allow_failed_imports=False)
randomness = dict(seed=0, deterministic=True)
crop_size = (64, 48)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=crop_size),
    backbone=dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8, out_indices=(3,), norm_cfg=norm_cfg),
    decode_head=dict(type='FCNHead', in_channels=64, in_index=0, channels=16, num_convs=1, concat_input=False,
                     dropout_ratio=0.3, num_classes=2, norm_cfg=norm_cfg, align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(48, 64), ratio_range=(0.8, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False, sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='DressCodeDataset', data_root={str(data_root)!r}, split='train', label_mode='person',
                 pipeline=train_pipeline))
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters}, val_interval=1000)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=0.01, weight_decay=0.01))
param_scheduler = [dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=0, end={max_iters})]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=2, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    rng_state=dict(type='RNGStateHook'),
    nonfinite=dict(type='NonFiniteLossHook', on_nonfinite='stop'))
log_processor = dict(by_epoch=False, window_size=1)
# No fixed name: the visualizer is a per-name singleton, and runs in one process must not share it.
visualizer = dict(type='SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')], _delete_=True)
{extra}
""")
    return path


@MODELS.register_module()
class NaNProbeLoss(torch.nn.Module):
    """A loss term that is 0 except at the given training calls (1-based), where it is NaN -- with NaN
    gradients, as a real diverging loss has."""

    def __init__(self, nan_at: Sequence[int] = (), loss_name: str = 'loss_probe'):
        super().__init__()
        self.nan_at = tuple(nan_at)
        self._loss_name = loss_name
        self.calls = 0

    def forward(self, pred: torch.Tensor, target: torch.Tensor, **kwargs) -> torch.Tensor:
        self.calls += 1
        return pred.mean() * (float('nan') if self.calls in self.nan_at else 0.0)

    @property
    def loss_name(self) -> str:
        return self._loss_name


@HOOKS.register_module()
class FailOnRankHook(Hook):
    """Rank ``rank`` raises (``mode='raise'``) or hangs (``mode='hang'``) when iteration ``at_iter`` starts."""

    def __init__(self, rank: int = 1, at_iter: int = 2, mode: str = 'raise'):
        self.rank, self.at_iter, self.mode = rank, at_iter, mode

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        if get_rank() != self.rank or runner.iter + 1 != self.at_iter:
            return
        if self.mode == 'hang':
            time.sleep(3600)
        raise RuntimeError(f'injected failure on rank {self.rank} at iteration {self.at_iter}')


@HOOKS.register_module()
class StallCheckpointWriteHook(Hook):
    """When the checkpoint of iteration ``at_iter`` is being saved, block forever inside its fsync: the
    bytes are written to the temporary file, the rename has not happened. The test then kills the process."""

    def __init__(self, at_iter: int):
        self.at_iter = at_iter

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if checkpoint['meta']['iter'] != self.at_iter:
            return

        def stalled_fsync(fd: int) -> None:
            print(STALL_MARKER, flush=True)
            time.sleep(3600)

        os.fsync = stalled_fsync


@HOOKS.register_module()
class SignalAtIterHook(Hook):
    """Send this process ``signal`` when training iteration ``at_iter`` (1-based) starts -- as Slurm or ``kill``
    would, at a moment the test chooses."""

    def __init__(self, at_iter: int, signal: str = 'SIGTERM'):
        self.at_iter, self.signal = at_iter, signal

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        if runner.iter + 1 == self.at_iter:
            import signal

            os.kill(os.getpid(), getattr(signal, self.signal))
