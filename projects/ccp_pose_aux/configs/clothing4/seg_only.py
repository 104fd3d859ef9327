# Baseline: segmentation only.
_base_ = ['../_base_/ccp_pose_aux_cpu.py']
