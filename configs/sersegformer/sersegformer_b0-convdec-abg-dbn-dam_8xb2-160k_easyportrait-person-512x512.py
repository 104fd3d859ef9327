# Study 5, row "+ conv decoder, AbG, DbN, DAM": SERSegFormer-B0 (channel AbG on the upsampling blocks,
# DbN bridge with channel compression and DAM on the deepest stage).
_base_ = [
    '../_base_/models/sersegformer_b0.py',
    '../_base_/datasets/easyportrait_person.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_160k_adamw_segformer.py',
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}), decode_head=dict(num_classes=2))
