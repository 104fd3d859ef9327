# The real-photo quickstart (`make quickstart-real CCP=PATH`): TopFormer-B learns study 1's clothing4 grouping
# (background / upper / lower / whole) from CCP's 643 train photos, from scratch, in about ten minutes on 2 CPU
# cores; validated on the 161 val photos. The CCP pose study's seg_only recipe, on a short schedule and
# without keypoints. Not a benchmark: projects/ccp_pose_aux trains the same model to convergence.
_base_ = ['../../projects/ccp_pose_aux/configs/clothing4/seg_only.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PerImageIoUMetric', classes=('upper', 'lower', 'whole')),
]
test_evaluator = val_evaluator
max_iters = 1500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=100, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=max_iters))
