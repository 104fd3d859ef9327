# Baseline: segmentation only.
_base_ = ['../../_base_/ablations/dresscode_aux.py']
