# + landmark heatmaps (the 18 BlazePose joints in COCO-18 order) as an auxiliary target.
_base_ = ['../_base_/ccp_pose_aux_cpu.py']
model = dict(aux_task_heads=dict(landmarks={{_base_.landmark_head}}), test_cfg=dict(aux_predict=('landmarks',)))
