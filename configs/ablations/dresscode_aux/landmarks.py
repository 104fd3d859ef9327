# + landmark heatmaps (18 Dress Code joints) as an auxiliary target.
_base_ = ['../../_base_/ablations/dresscode_aux.py']
model = dict(aux_task_heads=dict(landmarks={{_base_.landmark_head}}), test_cfg=dict(aux_predict=('landmarks',)))
