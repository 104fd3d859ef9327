# Study 5, row "+ depth channel": SERSegFormer-B0 on RGB + MiDaS relative inverse depth, ccp person masks.
# Precompute the depth maps once:
#   python tools/misc/precompute_depth.py --data-root data/ccp --provider midas_small \
#       --weights checkpoints/midas_v21_small_256.pt
# An RGB checkpoint loads with the depth channel's stem weights at zero.
_base_ = [
    '../_base_/models/sersegformer_b0.py',
    '../_base_/datasets/ccp_person_depth.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_160k_adamw_segformer.py',
]
model = dict(
    data_preprocessor=dict(
        type='MultiChannelSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53, 0.0],
        std=[58.395, 57.12, 57.375, 255.0],
        size={{_base_.crop_size}},
    ),
    backbone=dict(in_channels=4, extra_in_channels_init='zeros'),
    decode_head=dict(num_classes=2),
)
