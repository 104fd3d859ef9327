# + limb maps (17 COCO-18 limbs between BlazePose joints) as an auxiliary target, on the pretrained encoder.
_base_ = ['../_base_/ccp_pose_aux_pretrained_cpu.py']
model = dict(aux_task_heads=dict(skeleton={{_base_.skeleton_head}}))
