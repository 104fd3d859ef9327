# clothing4/landmarks.py on the 8000-iteration schedule (as schedule/seg_only_8k.py): only the schedule changes.
_base_ = ['../_base_/ccp_pose_aux_common_cpu.py', '../_base_/schedules/schedule_8k.py']
model = dict(aux_task_heads=dict(landmarks={{_base_.landmark_head}}), test_cfg=dict(aux_predict=('landmarks',)))
