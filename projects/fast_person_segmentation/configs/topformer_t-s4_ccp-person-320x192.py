# A fast person / background segmenter trained from scratch on CCP's 643 train photos (person = every
# non-null CCP label), for the 2-core CPU comparison with MediaPipe Selfie Segmentation
# (projects/fast_person_segmentation/README.md).
#
# TopFormer-T with a fourth, stride-4 decoded scale: the head fuses 1/4, 1/8, 1/16 and 1/32 and predicts at
# 1/4, because person IoU at the photo's size is decided at the boundary (logits at 1/8 of a 320 x 192 input
# cap a perfect model at 95.4 person IoU on the CCP val masks, at 1/4 at 98.0). Input: the photo resized to
# 320 x 192 (H x W; CCP photos are 832 x 550); training takes 256 x 160 crops of the photos rescaled around that
# size, from the pre-resized copy (resize_tree.py --height 320).
_base_ = [
    '../../../configs/_base_/models/topformer_tiny.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_160k_adamw.py',
]
crop_size = (256, 160)  # (H, W) training crops; the network is fully convolutional
input_wh = (192, 320)  # the test input: mmcv Resize scale with keep_ratio=False is (W, H)
tiny_s4 = dict(
    layer_cfgs=[
        [3, 1, 16, 1],
        [3, 4, 16, 2],
        [3, 3, 16, 1],
        [5, 3, 32, 2],
        [5, 3, 32, 1],
        [3, 3, 64, 2],
        [3, 3, 64, 1],
        [5, 6, 96, 2],
        [5, 6, 96, 1],
    ],
    channels=[16, 32, 64, 96],
    out_channels=[128, 128, 128, 128],
    embed_out_indices=[2, 4, 6, 8],
    num_heads=4,
    _delete_=True,
)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(arch=tiny_s4, decode_out_indices=(0, 1, 2, 3), drop_path_rate=0.0),
    decode_head=dict(in_channels=[128] * 4, in_index=[0, 1, 2, 3], num_classes=2),
)

dataset_type = 'CCPDataset'
data_root = 'data/ccp'  # evaluation on the original photos and masks
train_data_root = 'data/ccp_h320'  # tools/dataset_converters/resize_tree.py --height 320
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=input_wh, ratio_range=(0.75, 1.5), keep_ratio=False),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_wh, keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=train_data_root, split='train', label_mode='person', pipeline=train_pipeline
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', label_mode='person', pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU']), dict(type='PerImageIoUMetric', classes=('person',))]
test_evaluator = val_evaluator

max_iters = 8000
warmup_iters = 500
optim_wrapper = dict(optimizer=dict(lr=0.001))
auto_scale_lr = dict(base_batch_size=8)  # the lr above is for 8 images per iteration
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=1000)
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=1000, max_keep_ckpts=2, save_best='mIoU'),
    visualization=dict(type='SegVisualizationHook', draw=False),
)
custom_hooks = [dict(type='ChannelsLastHook'), dict(type='RunSummaryHook')]
randomness = dict(seed=0)
