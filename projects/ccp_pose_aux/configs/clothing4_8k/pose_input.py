# clothing4/pose_input.py on the 8000-iteration schedule (as schedule/seg_only_8k.py): only the schedule changes.
_base_ = ['../_base_/ccp_pose_aux_common_cpu.py', '../_base_/schedules/schedule_8k.py']
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
