# DeepLabV3+ (Chen et al., ECCV 2018): DeepLabV3 with a depthwise-separable ASPP and a decoder that fuses the
# stride-4 features (48 channels), as mmseg's reference model.
_base_ = ['./deeplabv3_r50-d8.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='DepthwiseSeparableASPPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        dilations=(1, 12, 24, 36),
        c1_in_channels=256,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=7,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    )
)
