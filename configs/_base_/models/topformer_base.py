# TopFormer-Base (Zhang et al., CVPR 2022) as an mmseg EncoderDecoder.
# Loads the official ADE20K checkpoints strictly (num_classes=150) and fine-tunes from the official
# ImageNet checkpoint via model.backbone.init_cfg=dict(type='Pretrained', checkpoint=<local path>).
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)

# SyncBN as in the official training; tools/train.py switches it to BN where there is no GPU.
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
    backbone=dict(type='TopFormer', arch='base', drop_path_rate=0.1, norm_cfg=norm_cfg, init_cfg=None),
    decode_head=dict(
        type='TopFormerHead',
        in_channels=[256, 256, 256],
        in_index=[0, 1, 2],
        channels=256,
        is_dw=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
