# Dress Code with pose targets: 18-class parsing (study-1 groups reported by MultiTaskMetric), landmark
# heatmaps and limb maps built after the pose-aware geometric augmentations.
dataset_type = 'DressCodeDataset'
data_root = 'data/dresscode'
label_mode = 'parsing'
crop_size = (512, 384)  # (H, W)
image_scale = (768, 1024)  # fit within (short, long) edge: Dress Code photos are 1024 x 768
target_stride = 4
left_right_labels = [(9, 10), (12, 13), (14, 15)]  # shoes, legs, arms
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='RandomResize', scale=image_scale, ratio_range=(0.5, 1.5), keep_ratio=True),
    dict(type='PoseAwareRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs=left_right_labels),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateLandmarkHeatmaps', stride=target_stride, sigma=2.0),
    dict(type='GenerateLimbMaps', stride=target_stride, width=24.0),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', label_mode=label_mode,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', label_mode=label_mode,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='MultiTaskMetric',
    class_groups=dict(upper=[4], lower=[5, 6], whole=[7], person=list(range(1, 18)), background=[0]))
test_evaluator = val_evaluator
