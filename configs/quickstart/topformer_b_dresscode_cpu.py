# The README quickstart: configs/topformer_pose_aux.py (TopFormer-B + landmark and skeleton heads) on a
# small (synthetic) Dress Code set at 256 x 192, trained from scratch for a few minutes on the CPU.
# Not a benchmark: it checks the whole path end to end.
_base_ = ['../topformer_pose_aux.py']
crop_size = (256, 192)
image_scale = (192, 256)
# Limbs 6 px wide at 256 x 192 (24 px at the full 512 x 384 crops).
limb_codec = dict(type='LimbMapCodec', stride=4, width=6.0)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=None, drop_path_rate=0.0),
    aux_task_heads=dict(skeleton=dict(decoder=limb_codec)),
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='RandomResize', scale=image_scale, ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='PoseAwareRandomCrop', crop_size=crop_size),
    dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs={{_base_.left_right_labels}}),
    dict(type='GenerateLandmarkHeatmaps', encoder={{_base_.heatmap_codec}}),
    dict(type='GenerateLimbMaps', encoder=limb_codec),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(batch_size=8, num_workers=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.002))
max_iters = 600
auto_scale_lr = dict(base_batch_size=8)  # lr 0.002 is for 8 images per iteration
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=50, end=max_iters),
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_best=None),
    visualization=dict(type='SegVisualizationHook', draw=False),
)
