# From scratch, batch 8, 8000 iterations: schedule_4k.py run twice as long -- the same optimizer and 300
# iterations of linear warm-up, then poly decay to zero at 8000; a checkpoint (the last one kept) every tenth of
# the run. Validation stays every 400 iterations, as in the 4000-iteration runs, so that the two campaigns'
# learning curves line up.
_base_ = ['../../../../../configs/_base_/schedules/schedule_160k_adamw.py']
max_iters = 8000
warmup_iters = 300
optim_wrapper = dict(optimizer=dict(lr=0.001))
auto_scale_lr = dict(base_batch_size=8)  # the lr above is for 8 images per iteration
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=400)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters // 10, max_keep_ckpts=1, save_best=None),
    visualization=dict(type='SegVisualizationHook', draw=False),
)
