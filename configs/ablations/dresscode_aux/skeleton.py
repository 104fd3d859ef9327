# + limb maps (17 COCO-18 limbs) as an auxiliary target.
_base_ = ['../../_base_/ablations/dresscode_aux.py']
model = dict(aux_task_heads=dict(skeleton={{_base_.skeleton_head}}))
