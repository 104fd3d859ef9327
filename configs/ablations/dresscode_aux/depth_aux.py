# + relative inverse depth (precomputed MiDaS maps at <category>/depth/NNNNNN_0.png) as an auxiliary target.
_base_ = ['../../_base_/ablations/dresscode_aux.py']
model = dict(aux_task_heads=dict(depth={{_base_.depth_head}}), test_cfg=dict(aux_predict=('depth',)))
# The pipelines of configs/_base_/datasets/dresscode_multitask.py with the depth map loaded; in training it is
# loaded after the keypoints and resized bilinearly, and the landmark and limb targets are left out.
train_pipeline = [
    *_base_.train_pipeline[:3],  # photo, labels, keypoints
    dict(type='LoadDepthMap'),
    dict(_base_.train_pipeline[3], resize_type='DepthAwareResize'),  # the random resize: depth bilinearly
    *_base_.train_pipeline[4:7],  # crop, flip, photometric distortion
    _base_.train_pipeline[-1],
]
test_pipeline = _base_.test_pipeline[:-1] + [
    dict(type='LoadDepthMap'),  # after Resize: evaluated at the original size
    _base_.test_pipeline[-1],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
