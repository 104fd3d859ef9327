# Study 1, TopFormer-B with cross-entropy on iMaterialist (study-1 grouping), 768 x 768.
_base_ = [
    '../../../configs/_base_/models/topformer_base.py',
    '../../../configs/_base_/datasets/imaterialist_grouped4.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_160k_adamw.py',
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}), decode_head=dict(num_classes=4))
