# SERNet-Former (Erisen, CVPRW 2024): residual encoder (timm ResNet-50) with an AbG per stage, decoder with
# AbM global context, DbN bridge and AfN fusion up to stride 4. Other timm encoders:
# model.backbone.encoder='efficientnet_b0' and model.decode_head.in_channels=[24, 40, 112, 320].
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)

norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='SERNetFormer',
        encoder='resnet50',
        out_indices=(1, 2, 3, 4),
        abg=True,
        abg_mode='element',
        norm_cfg=norm_cfg,
        init_cfg=None,
    ),
    decode_head=dict(
        type='SERNetFormerHead',
        in_channels=[256, 512, 1024, 2048],
        in_index=[0, 1, 2, 3],
        channels=128,
        abm=True,
        dbn=dict(dilations=(1, 2, 4, 6), compress_channels=256, dam=False),
        afn_gate=True,
        afn_cross_attention=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
