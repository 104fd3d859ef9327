# + relative inverse depth (precomputed MiDaS maps at <category>/depth/NNNNNN_0.png) as an auxiliary target.
_base_ = ['../../_base_/ablations/dresscode_aux.py']
model = dict(aux_task_heads=dict(depth={{_base_.depth_head}}), test_cfg=dict(aux_predict=('depth', )))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='LoadDepthMap'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.5, 1.5), keep_ratio=True,
         resize_type='DepthAwareResize'),  # depth bilinearly
    dict(type='PoseAwareRandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5, seg_swap_pairs={{_base_.left_right_labels}}),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='Resize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='LoadDepthMap'),  # after Resize: evaluated at the original size
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
