# Common ground of the pretrained person models: EfficientNet-Lite0 (ImageNet) + SegformerHead fine-tuned on CCP's
# 643 train photos (person = every non-null CCP label), evaluated on the 161 val photos at their size, for the CPU
# comparison with MediaPipe Selfie Segmentation (projects/fast_person_segmentation/README.md). Leaves set the input
# size, the encoder depth and the head width.
#
# The photo is resized to `input_hw` (no aspect kept: CCP photos are 832 x 550, H x W); training takes crops of
# that size from the photos rescaled around it (x0.75-1.5), read from the pre-resized copy (resize_tree.py
# --height 320). Batch 8, AdamW, 2000 iterations.
_base_ = [
    '../../../../configs/_base_/models/effnet-lite0_segformer-head.py',
    '../../../../configs/_base_/default_runtime.py',
    '../../../../configs/_base_/schedules/schedule_160k_adamw.py',
]
norm_cfg = dict(type='BN', requires_grad=True)  # one CPU process
input_hw = (256, 160)
model = dict(
    data_preprocessor=dict(size=input_hw),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(channels=64, num_classes=2, norm_cfg=norm_cfg),
)

dataset_type = 'CCPDataset'
data_root = 'data/ccp'  # evaluation on the original photos and masks
train_data_root = 'data/ccp_h320'  # tools/dataset_converters/resize_tree.py --height 320
input_wh = (input_hw[1], input_hw[0])  # mmcv's Resize scale without keep_ratio is (W, H)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=input_wh, ratio_range=(0.75, 1.5), keep_ratio=False),
    dict(type='RandomCrop', crop_size=input_hw, cat_max_ratio=0.9),
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

# Fine-tuning, batch 8: AdamW at 5e-4 for the encoder (the decode head at 10x, from the schedule base), 100
# iterations of linear warm-up, then poly decay.
max_iters = 2000
warmup_iters = 100
optim_wrapper = dict(optimizer=dict(lr=0.0005))
auto_scale_lr = dict(base_batch_size=8)  # the lr above is for 8 images per iteration
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=200)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=400, max_keep_ckpts=1, save_best=None),
    visualization=dict(type='SegVisualizationHook', draw=False),
)
custom_hooks = [dict(type='ChannelsLastHook'), dict(type='RunSummaryHook')]
randomness = dict(seed=0)
