# TopFormer's AdamW schedule (schedule_160k_adamw.py) over 80k iterations: the same optimizer and 1500 linear
# warm-up iterations, then poly decay to zero at 80k; validation and a checkpoint every 8000 iterations.
_base_ = ['./schedule_160k_adamw.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000),
]
train_cfg = dict(max_iters=80000, val_interval=8000)
default_hooks = dict(checkpoint=dict(interval=8000))
