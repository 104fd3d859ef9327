# Pose as input and landmarks as an auxiliary target.
_base_ = ['./pose_input.py']
model = dict(aux_task_heads=dict(landmarks={{_base_.landmark_head}}), test_cfg=dict(aux_predict=('landmarks',)))
# pose_input.py's training pipeline with the landmark targets before packing.
train_pipeline = _base_.train_pipeline[:-1] + [
    dict(type='GenerateLandmarkHeatmaps', encoder=_base_.heatmap_codec),
    _base_.train_pipeline[-1],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
