# U^2-Net (Qin et al., Pattern Recognition 2020), full size (U2NET, 44.05 M parameters with 4 classes), as an
# mmseg EncoderDecoder: the U2Net backbone returns the seven logit maps d0..d6 and the parameter-free
# U2NetHead predicts with d0 and trains with the deep-supervision loss (CE on each of d0..d6, weight 1).
# Set up like the cloth-segmentation model (levindabhi/cloth-segmentation): 4 classes (background, upper,
# lower, whole body), inputs scaled to [0, 1] then normalised with mean 0.5, std 0.5. Its official
# checkpoint loads strictly after tools/model_converters/u2net2mmext.py (load_from=<converted file>).
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)

norm_cfg = dict(type='BN', requires_grad=True)
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
    backbone=dict(type='U2Net', arch='full', in_channels=3, num_classes=4, norm_cfg=norm_cfg, init_cfg=None),
    decode_head=dict(
        type='U2NetHead',
        num_classes=4,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
