# Baseline on the pretrained encoder: segmentation only.
_base_ = ['../_base_/ccp_pose_aux_pretrained_cpu.py']
