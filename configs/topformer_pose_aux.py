# TopFormer-B on Dress Code (study-1 clothing grouping: background / upper / lower / whole).
# The multi-task version (landmark + skeleton auxiliary heads) replaces this seg-only baseline.
#
#   python tools/train.py configs/topformer_pose_aux.py
#   bash tools/dist_train.sh configs/topformer_pose_aux.py 8
#
# Fine-tunes from the official ImageNet checkpoint of TopFormer-B: put it at the path below (or pass
# --cfg-options model.backbone.init_cfg.checkpoint=PATH; model.backbone.init_cfg=None trains from scratch).
_base_ = [
    '_base_/models/topformer_base.py', '_base_/datasets/dresscode.py', '_base_/default_runtime.py',
    '_base_/schedules/schedule_160k_adamw.py'
]
num_classes = 4
model = dict(
    backbone=dict(init_cfg=dict(
        _delete_=True, type='Pretrained', checkpoint='checkpoints/topformer-B-224-75.3.pth')),
    decode_head=dict(num_classes=num_classes))
# 8 GPUs x 2 images: the official TopFormer batch of 16.
train_dataloader = dict(batch_size=2)
# Dress Code has about 48k training pairs: 80k iterations of batch 16 are about 26 epochs.
train_cfg = dict(max_iters=80000, val_interval=8000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000),
]
default_hooks = dict(checkpoint=dict(interval=8000))
