# Depth as input: relative inverse depth (precomputed MiDaS maps at <category>/depth/NNNNNN_0.png) as a 4th
# input channel, its stem weights initialised to zero.
_base_ = ['../../_base_/ablations/dresscode_aux.py']
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor', mean=[123.675, 116.28, 103.53, 0.0], std=[58.395, 57.12, 57.375, 255.0]
    ),
    backbone=dict(in_channels=4, extra_in_channels_init='zeros'),
)
# The training pipeline of configs/_base_/datasets/dresscode_multitask.py with the depth map in place of the
# keypoints, resized bilinearly, and the depth channel in place of the landmark and limb targets.
train_pipeline = [
    *_base_.train_pipeline[:2],  # photo, labels
    dict(type='LoadDepthMap'),
    dict(_base_.train_pipeline[3], resize_type='DepthAwareResize'),  # the random resize: depth bilinearly
    *_base_.train_pipeline[4:7],  # crop, flip, photometric distortion
    dict(type='ConcatExtraChannels', sources=('depth',)),
    _base_.train_pipeline[-1],
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthMap'),  # before the resize, which resizes it (bilinearly) with the photo
    dict(type='DepthAwareResize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='ConcatExtraChannels', sources=('depth',)),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
