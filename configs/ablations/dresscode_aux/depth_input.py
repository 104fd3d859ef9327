# Depth as input: relative inverse depth (precomputed MiDaS maps at <category>/depth/NNNNNN_0.png) as a 4th
# input channel, its stem weights initialised to zero.
_base_ = ['../../_base_/ablations/dresscode_aux.py']
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53, 0.0],
        std=[58.395, 57.12, 57.375, 255.0]),
    backbone=dict(in_channels=4, extra_in_channels_init='zeros'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDepthMap'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.5, 1.5), keep_ratio=True,
         resize_type='DepthAwareResize'),  # depth bilinearly
    dict(type='PoseAwareRandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs={{_base_.left_right_labels}}),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatExtraChannels', sources=('depth', )),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthMap'),  # before the resize, which resizes it (bilinearly) with the photo
    dict(type='DepthAwareResize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='ConcatExtraChannels', sources=('depth', )),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
