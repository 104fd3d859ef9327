# Common ground of the Dress Code auxiliary-task ablations (configs/ablations/dresscode_aux/): TopFormer-B
# fine-tuned from ImageNet on 18-class parsing, same schedule, seed and data for every variant. Variants
# only add auxiliary heads (model.aux_task_heads) or input channels.
_base_ = [
    '../models/topformer_base.py', '../models/aux_task_heads.py', '../datasets/dresscode_multitask.py',
    '../default_runtime.py', '../schedules/schedule_160k_adamw.py'
]
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(init_cfg=dict(
        _delete_=True, type='Pretrained', checkpoint='checkpoints/topformer-B-224-75.3.pth')),
    decode_head=dict(num_classes=18),
    aux_task_heads=dict())
# The heads decode with the codecs that encode their targets in the data pipeline, and normalise as the model
# does (SyncBN across the GPUs).
landmark_head = dict(decoder={{_base_.heatmap_codec}}, norm_cfg={{_base_.norm_cfg}})
skeleton_head = dict(decoder={{_base_.limb_codec}}, norm_cfg={{_base_.norm_cfg}})
depth_head = dict(norm_cfg={{_base_.norm_cfg}})
randomness = dict(seed=0)
# 8 GPUs x 2 images: the official TopFormer batch of 16; Dress Code has about 48k training pairs, so 80k
# iterations are about 26 epochs.
train_dataloader = dict(batch_size=2)
train_cfg = dict(max_iters=80000, val_interval=8000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000),
]
default_hooks = dict(checkpoint=dict(interval=8000, save_best=None))
custom_hooks = [dict(type='RunSummaryHook')]
