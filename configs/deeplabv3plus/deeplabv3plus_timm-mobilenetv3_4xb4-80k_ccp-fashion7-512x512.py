# DeepLabV3+ with a timm MobileNetV3-Large encoder (mmseg's TIMMBackbone; strides 4..32, no dilation): the
# phone-sized variant of study 4. ImageNet weights from a local file: model.backbone.pretrained=False and
# model.backbone.checkpoint_path=<path> (timm's own loader; nothing is downloaded).
_base_ = ['./deeplabv3plus_r50-d8_4xb4-80k_ccp-fashion7-512x512.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='TIMMBackbone',
        model_name='mobilenetv3_large_100',
        features_only=True,
        pretrained=False,
        out_indices=(1, 2, 3, 4)),
    decode_head=dict(in_channels=960, c1_in_channels=24, channels=128, c1_channels=48, dilations=(1, 6, 12, 18)),
    auxiliary_head=dict(in_channels=112, channels=64))
