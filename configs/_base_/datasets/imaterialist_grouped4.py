# iMaterialist 2019 with study 1's 4-class grouping (background / upper / lower / whole), from the tree of
# tools/dataset_converters/imaterialist.py, at 768 x 768 as study 1 trained. Evaluation: dataset-level IoU
# and study 1's per-image IoU of the three garment groups.
dataset_type = 'IMaterialistDataset'
data_root = 'data/imaterialist'
label_mode = 'grouped4'
crop_size = (768, 768)
image_scale = (1536, 768)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=image_scale, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', label_mode=label_mode, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', label_mode=label_mode, pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PerImageIoUMetric', classes=('upper', 'lower', 'whole')),
]
test_evaluator = val_evaluator
