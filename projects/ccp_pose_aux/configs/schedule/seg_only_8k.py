# seg_only on twice the campaign's schedule (8000 iterations): does the last 20 % of a longer run add less than
# 1 point of mIoU? The schedule's derived settings are repeated here because the base computed them from its
# own max_iters when it was parsed.
_base_ = ['../clothing4/seg_only.py']
max_iters = 8000
warmup_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=400)  # the campaign's 400: its learning curves line up
