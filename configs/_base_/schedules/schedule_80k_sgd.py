# mmseg's 80k schedule for DeepLab: SGD lr 0.01 (batch 16), momentum 0.9, weight decay 5e-4, poly decay.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005), clip_grad=None
)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# lr 0.01 was set for 16 images per iteration (4 GPUs x 4): `tools/train.py --auto-scale-lr`
# scales it linearly to the actual batch (GPUs x images per GPU), as mmseg does.
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Atomic checkpoint writes, generator states in checkpoints, stop on a NaN/inf loss (docs/fault_tolerance.md).
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=8000, max_keep_ckpts=3, save_best='mIoU'),
    rng_state=dict(type='RNGStateHook'),
    nonfinite=dict(type='NonFiniteLossHook', on_nonfinite='stop'),
    preemption=dict(type='PreemptionCheckpointHook'),  # SIGTERM: checkpoint, then stop
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
