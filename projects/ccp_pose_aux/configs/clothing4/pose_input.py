# Pose as input: BlazePose keypoint heatmaps and limb maps (estimated for every photo, val photos included)
# as 2 extra input channels next to RGB.
_base_ = ['../_base_/ccp_pose_aux_cpu.py']
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53, 0.0, 0.0],
        std=[58.395, 57.12, 57.375, 255.0, 255.0]),
    backbone=dict(in_channels=5))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='PoseAwareRandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    {{_base_.pose_channels}},
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='Resize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    {{_base_.pose_channels}},
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
