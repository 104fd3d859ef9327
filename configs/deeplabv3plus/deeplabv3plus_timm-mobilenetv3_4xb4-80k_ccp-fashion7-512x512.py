# DeepLabV3+ with a timm MobileNetV3-Large encoder (mmext's TimmEncoder: strides 4..32, no dilation; SyncBN across
# GPUs that keeps timm's fused activations): the phone-sized variant of the fashion pixel study. ImageNet weights
# from a local timm classification state dict: model.backbone.init_cfg=dict(type='Pretrained', checkpoint=<path>)
# (nothing is downloaded).
_base_ = ['./deeplabv3plus_r50-d8_4xb4-80k_ccp-fashion7-512x512.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='TimmEncoder',
        model_name='mobilenetv3_large_100',
        out_indices=(1, 2, 3, 4),
        norm_cfg={{_base_.norm_cfg}},
    ),
    decode_head=dict(in_channels=960, c1_in_channels=24, channels=128, c1_channels=48, dilations=(1, 6, 12, 18)),
    auxiliary_head=dict(in_channels=112, channels=64),
)
