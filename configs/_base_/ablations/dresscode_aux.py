# Common ground of the Dress Code auxiliary-task ablations (configs/ablations/dresscode_aux/): TopFormer-B
# fine-tuned from ImageNet on 18-class parsing, same schedule, seed and data for every variant. Variants
# only add auxiliary heads (model.aux_task_heads) or input channels.
_base_ = [
    '../models/topformer_base.py',
    '../models/aux_task_heads.py',
    '../datasets/dresscode_multitask.py',
    '../default_runtime.py',
    '../schedules/schedule_80k_adamw.py',
]
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained', checkpoint='checkpoints/topformer-B-224-75.3.pth')),
    decode_head=dict(num_classes=18),
    aux_task_heads=dict(),
)
# The heads decode with the codecs that encode their targets in the data pipeline, and normalise as the model
# does (SyncBN across the GPUs).
landmark_head = dict(decoder={{_base_.heatmap_codec}}, norm_cfg={{_base_.norm_cfg}})
skeleton_head = dict(decoder={{_base_.limb_codec}}, norm_cfg={{_base_.norm_cfg}})
depth_head = dict(norm_cfg={{_base_.norm_cfg}})
randomness = dict(seed=0)
# 8 GPUs x 2 images: the official TopFormer batch of 16; Dress Code has about 48k training pairs, so 80k
# iterations (schedule_80k_adamw.py) are about 26 epochs.
train_dataloader = dict(batch_size=2)
default_hooks = dict(checkpoint=dict(save_best=None))
custom_hooks = [dict(type='RunSummaryHook')]
