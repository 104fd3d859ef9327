# Fine-tuning a pretrained encoder, batch 8, 1000 iterations: AdamW (schedule_160k_adamw.py) at 5e-4 for the
# encoder (the decode head at 10x), 50 iterations of linear warm-up, then poly decay to zero; validation and a
# checkpoint (the last one kept) every 200 iterations. The length: on fold 0, seg_only under a 3000-iteration
# schedule stopped improving after 600 iterations (README of this project); the folds' own learning curves show
# what the last 20 % adds.
_base_ = ['../../../../../configs/_base_/schedules/schedule_160k_adamw.py']
max_iters = 1000
warmup_iters = 50
optim_wrapper = dict(optimizer=dict(lr=0.0005))
auto_scale_lr = dict(base_batch_size=8)  # the lr above is for 8 images per iteration
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters // 5)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters // 5, max_keep_ckpts=1, save_best=None),
    visualization=dict(type='SegVisualizationHook', draw=False),
)
