# Pose as input and landmarks as an auxiliary target.
_base_ = ['./pose_input.py']
model = dict(
    aux_task_heads=dict(landmarks={{_base_.landmark_head}}),
    test_cfg=dict(aux_predict=('landmarks', )))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.5, 1.5), keep_ratio=True),
    dict(type='PoseAwareRandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs={{_base_.left_right_labels}}),
    dict(type='PhotoMetricDistortion'),
    {{_base_.pose_channels}},
    dict(type='GenerateLandmarkHeatmaps', encoder={{_base_.heatmap_codec}}),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
