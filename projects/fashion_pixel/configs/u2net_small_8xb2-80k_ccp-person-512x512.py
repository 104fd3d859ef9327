# Study 4 with U2NETP (1.1 M parameters, deep supervision): CCP person (2 classes) at 512 x 512.
_base_ = [
    '../../../configs/_base_/models/u2net_small.py',
    '../../../configs/_base_/datasets/ccp_person.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_160k_adamw.py',
]
# SyncBN over the 8 GPUs, as the TopFormer-B configs of the study (U2Net's own default is per-GPU BN).
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(norm_cfg=norm_cfg, num_classes=2),
    decode_head=dict(num_classes=2),
)
train_cfg = dict(max_iters=80000, val_interval=8000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000),
]
