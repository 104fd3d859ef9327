# Study 4 with TopFormer-B: CCP person (2 classes) at 512 x 512.
_base_ = [
    '../../../configs/_base_/models/topformer_base.py',
    '../../../configs/_base_/datasets/ccp_person.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_160k_adamw.py',
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}), decode_head=dict(num_classes=2))
train_cfg = dict(max_iters=80000, val_interval=8000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000),
]
