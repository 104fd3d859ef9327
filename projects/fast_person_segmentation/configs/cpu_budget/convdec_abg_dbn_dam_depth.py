# SERSegFormer-B0 + MiDaS depth as a 4th input channel, at the CPU budget of ../_base_/cpu_budget.py.
# Reads the depth maps of tools/misc/precompute_depth.py under data/ccp/depth.
_base_ = [
    '../../../../configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-depth_8xb2-160k_ccp-person-512x512.py',
    '../_base_/cpu_budget.py',
]
model = dict(data_preprocessor=dict(size={{_base_.cpu_crop_size}}), backbone=dict(init_cfg=None))
optim_wrapper = dict(optimizer=dict(lr=0.001))  # the config's AdamW, from scratch
train_dataloader = {{_base_.cpu_depth_train_dataloader}}
val_dataloader = {{_base_.cpu_depth_val_dataloader}}
test_dataloader = val_dataloader
val_evaluator = {{_base_.cpu_evaluator}}
test_evaluator = val_evaluator
train_cfg = {{_base_.cpu_schedule.train_cfg}}
param_scheduler = {{_base_.cpu_schedule.param_scheduler}}
default_hooks = {{_base_.cpu_schedule.default_hooks}}
