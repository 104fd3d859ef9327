# Pose as input: keypoint heatmaps and limb maps (Dress Code's OpenPose joints, available for every photo,
# test photos included) as 2 extra input channels. The RGB stem of the ImageNet checkpoint is widened
# with zero weights for them (TopFormer's extra_in_channels_init='zeros').
_base_ = ['../../_base_/ablations/dresscode_aux.py']
pose_channels = dict(type='ConcatExtraChannels', sources=('keypoint_heatmaps', 'limb_maps'), sigma=12.0,
                     limb_width=24.0)
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53, 0.0, 0.0],
        std=[58.395, 57.12, 57.375, 255.0, 255.0]),
    backbone=dict(in_channels=5, extra_in_channels_init='zeros'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.5, 1.5), keep_ratio=True),
    dict(type='PoseAwareRandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs={{_base_.left_right_labels}}),
    dict(type='PhotoMetricDistortion'),
    pose_channels,
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDressCodeKeypoints'),  # before Resize, which scales the joints with the photo
    dict(type='Resize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    pose_channels,
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
