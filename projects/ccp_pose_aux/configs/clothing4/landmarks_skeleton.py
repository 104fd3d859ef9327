# + landmarks and limb maps as auxiliary targets.
_base_ = ['../_base_/ccp_pose_aux_cpu.py']
model = dict(
    aux_task_heads=dict(landmarks={{_base_.landmark_head}}, skeleton={{_base_.skeleton_head}}),
    test_cfg=dict(aux_predict=('landmarks',)),
)
