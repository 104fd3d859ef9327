# SegFormer's official schedule: AdamW lr 6e-5 (batch 16), decode head at 10x lr, no weight decay on
# norms and positional blocks, 1500 linear warm-up iterations, poly decay over 160k iterations.
_base_ = ['./schedule_160k_adamw.py']
optim_wrapper = dict(optimizer=dict(lr=0.00006), paramwise_cfg=dict(custom_keys=dict(pos_block=dict(decay_mult=0.0))))
