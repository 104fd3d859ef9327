# Pose as input: BlazePose keypoint heatmaps and limb maps (estimated for every photo, val photos included)
# as 2 extra input channels next to RGB.
_base_ = ['../_base_/ccp_pose_aux_cpu.py']
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53, 0.0, 0.0],
        std=[58.395, 57.12, 57.375, 255.0, 255.0],
    ),
    backbone=dict(in_channels=5),
)
train_dataloader = dict(dataset=dict(pipeline={{_base_.pose_input_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.pose_input_test_pipeline}}))
test_dataloader = val_dataloader
