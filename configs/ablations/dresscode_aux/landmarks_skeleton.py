# + landmarks and limb maps as auxiliary targets (the main config, configs/topformer_pose_aux.py).
_base_ = ['../../_base_/ablations/dresscode_aux.py']
model = dict(
    aux_task_heads=dict(landmarks={{_base_.landmark_head}}, skeleton={{_base_.skeleton_head}}),
    test_cfg=dict(aux_predict=('landmarks',)),
)
