# SERNet-Former with a light EfficientNet-B0 encoder (timm) instead of ResNet-50.
_base_ = ['./sernet_former_r50_8xb2-160k_easyportrait-person-512x512.py']
model = dict(
    backbone=dict(encoder='efficientnet_b0'),
    decode_head=dict(in_channels=[24, 40, 112, 320], dbn=dict(compress_channels=128)),
)
