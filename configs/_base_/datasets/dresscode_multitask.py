# Dress Code with pose targets: 18-class parsing (study-1 groups reported by GroupIoUMetric), landmark
# heatmaps and limb maps built after the pose-aware geometric augmentations.
dataset_type = 'DressCodeDataset'
data_root = 'data/dresscode'
label_mode = 'parsing'
crop_size = (512, 384)  # (H, W)
image_scale = (768, 1024)  # fit within (short, long) edge: Dress Code photos are 1024 x 768
# The pose targets' codecs; the auxiliary heads decode with the same ones (configs/_base_/ablations/dresscode_aux.py).
heatmap_codec = dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)
limb_codec = dict(type='LimbMapCodec', stride=4, width=24.0)
left_right_labels = [(9, 10), (12, 13), (14, 15)]  # shoes, legs, arms
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='RandomResize', scale=image_scale, ratio_range=(0.5, 1.5), keep_ratio=True),
    dict(type='PoseAwareRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs=left_right_labels),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateLandmarkHeatmaps', encoder=heatmap_codec),
    dict(type='GenerateLimbMaps', encoder=limb_codec),
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
    dataset=dict(type=dataset_type, data_root=data_root, split='train', label_mode=label_mode, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', label_mode=label_mode, pipeline=test_pipeline),
)
test_dataloader = val_dataloader
person_classes = list(range(1, 18))  # every non-background parsing class
# Landmark PCK and depth errors are reported only by variants that predict landmarks / depth.
val_evaluator = [
    dict(type='ClassIoUMetric'),
    dict(type='GroupIoUMetric', groups=dict(upper=[4], lower=[5, 6], whole=[7], person=person_classes, background=[0])),
    dict(type='LandmarkPCKMetric', normalize='person_mask', person_classes=person_classes),
    dict(type='RelativeDepthMetric'),
]
test_evaluator = val_evaluator
