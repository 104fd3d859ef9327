# Pose as input: keypoint heatmaps and limb maps (Dress Code's OpenPose joints, available for every photo,
# test photos included) as 2 extra input channels. The RGB stem of the ImageNet checkpoint is widened
# with zero weights for them (TopFormer's extra_in_channels_init='zeros').
_base_ = ['../../_base_/ablations/dresscode_aux.py']
pose_channels = dict(
    type='ConcatExtraChannels', sources=('keypoint_heatmaps', 'limb_maps'), sigma=12.0, limb_width=24.0
)
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53, 0.0, 0.0],
        std=[58.395, 57.12, 57.375, 255.0, 255.0],
    ),
    backbone=dict(in_channels=5, extra_in_channels_init='zeros'),
)
# The pipelines of configs/_base_/datasets/dresscode_multitask.py with the pose channels before packing; in
# training they take the place of the landmark and limb targets (the two steps before packing).
train_pipeline = _base_.train_pipeline[:-3] + [pose_channels, _base_.train_pipeline[-1]]
test_pipeline = _base_.test_pipeline[:-1] + [pose_channels, _base_.test_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
