# Pose as input on the pretrained encoder: BlazePose keypoint heatmaps and limb maps as 2 extra input channels. The
# ImageNet stem is widened: its RGB weights kept, the weights of the 2 new channels start at zero, so that the
# network starts as the RGB one (PretrainedStemMixin, extra_in_channels_init='zeros').
_base_ = ['../_base_/ccp_pose_aux_pretrained_cpu.py']
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor',
        mean=[127.5, 127.5, 127.5, 0.0, 0.0],
        std=[127.5, 127.5, 127.5, 255.0, 255.0],
    ),
    backbone=dict(in_channels=5, extra_in_channels_init='zeros'),
)
train_dataloader = dict(dataset=dict(pipeline={{_base_.pose_input_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.pose_input_test_pipeline}}))
test_dataloader = val_dataloader
