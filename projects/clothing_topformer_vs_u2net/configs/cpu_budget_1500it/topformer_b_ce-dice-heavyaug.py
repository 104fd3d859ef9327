# TopFormer-B, cross-entropy + Dice + heavy augmentation, at the CPU budget of ../_base_/cpu_budget_1500it.py.
_base_ = [
    '../topformer_b_ce-dice-heavyaug_8xb2-160k_imaterialist-grouped4-768x768.py',
    '../_base_/cpu_budget_1500it.py',
]
model = dict(data_preprocessor=dict(size={{_base_.cpu_crop_size}}), backbone=dict(init_cfg=None))
optim_wrapper = dict(optimizer=dict(lr=0.001))  # the config's AdamW, from scratch
train_dataloader = {{_base_.cpu_heavyaug_train_dataloader}}
val_dataloader = {{_base_.cpu_val_dataloader}}
test_dataloader = {{_base_.cpu_test_dataloader}}
val_evaluator = {{_base_.cpu_evaluator}}
test_evaluator = val_evaluator
train_cfg = {{_base_.cpu_schedule.train_cfg}}
param_scheduler = {{_base_.cpu_schedule.param_scheduler}}
default_hooks = {{_base_.cpu_schedule.default_hooks}}
