# DeepLabV3-R50, person / background, at the CPU budget of ../_base_/cpu_budget_800it.py.
_base_ = [
    '../../../../configs/deeplabv3/deeplabv3_r50-d8_4xb4-80k_ccp-person-512x512.py',
    '../_base_/cpu_budget_800it.py',
]
model = dict(data_preprocessor=dict(size={{_base_.cpu_crop_size}}), backbone=dict(init_cfg=None))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # the config's SGD, from scratch
train_dataloader = {{_base_.cpu_train_dataloader}}
val_dataloader = {{_base_.cpu_val_dataloader}}
test_dataloader = val_dataloader
val_evaluator = {{_base_.cpu_evaluator}}
test_evaluator = val_evaluator
train_cfg = {{_base_.cpu_schedule.train_cfg}}
param_scheduler = {{_base_.cpu_schedule.param_scheduler}}
default_hooks = {{_base_.cpu_schedule.default_hooks}}
