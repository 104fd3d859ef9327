# clothing4/landmarks.py on the longer schedule (8000 iterations, as schedule/seg_only_8k.py):
# only the schedule changes. Its derived settings are repeated because the base computed them from its own
# max_iters when parsed.
_base_ = ['../clothing4/landmarks.py']
max_iters = 8000
warmup_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=400)  # the campaign's 400: its learning curves line up
