# SERNet-Former, EfficientNet-B0, at the CPU budget of ../_base_/cpu_budget.py.
_base_ = [
    '../../../../configs/sernet_former/sernet_former_effb0_8xb2-160k_easyportrait-person-512x512.py',
    '../_base_/cpu_budget.py',
]
model = dict(data_preprocessor=dict(size={{_base_.cpu_crop_size}}), backbone=dict(init_cfg=None))
optim_wrapper = dict(optimizer=dict(lr=0.001))  # the config's AdamW, from scratch
train_dataloader = {{_base_.cpu_train_dataloader}}
val_dataloader = {{_base_.cpu_val_dataloader}}
test_dataloader = {{_base_.cpu_test_dataloader}}
val_evaluator = {{_base_.cpu_evaluator}}
test_evaluator = val_evaluator
train_cfg = {{_base_.cpu_schedule.train_cfg}}
param_scheduler = {{_base_.cpu_schedule.param_scheduler}}
default_hooks = {{_base_.cpu_schedule.default_hooks}}
