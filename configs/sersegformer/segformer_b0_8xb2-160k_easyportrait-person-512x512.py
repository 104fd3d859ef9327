# Study 5, row "SegFormer-B0": EasyPortrait person / background at 512 x 512.
_base_ = [
    '../_base_/models/segformer_b0.py',
    '../_base_/datasets/easyportrait_person.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_160k_adamw_segformer.py',
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}), decode_head=dict(num_classes=2))
