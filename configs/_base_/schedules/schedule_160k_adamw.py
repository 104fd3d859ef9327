# TopFormer's official ADE20K schedule: AdamW, lr 1.2e-4 for batch 16 (8 GPUs x 2 images), decode head
# at 10x lr, 1500 linear warm-up iterations, then poly decay over 160k iterations.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.00012, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys=dict(head=dict(lr_mult=10.0), norm=dict(decay_mult=0.0))),
    clip_grad=None,
)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# lr 1.2e-4 was set for 16 images per iteration (8 GPUs x 2): `tools/train.py --auto-scale-lr`
# scales it linearly to the actual batch (GPUs x images per GPU), as mmseg does.
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Atomic checkpoint writes, generator states in checkpoints, stop on a NaN/inf loss (docs/fault_tolerance.md).
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=16000, max_keep_ckpts=3, save_best='mIoU'),
    rng_state=dict(type='RNGStateHook'),
    nonfinite=dict(type='NonFiniteLossHook', on_nonfinite='stop'),
    preemption=dict(type='PreemptionCheckpointHook'),  # SIGTERM: checkpoint, then stop
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
