# TopFormer-B, Lovasz fine-tuning of the heavy-augmentation model, at the CPU budget of ../_base_/cpu_budget_300it.py.
_base_ = ['../topformer_b_lovasz-ft_8xb2-20k_imaterialist-grouped4-768x768.py', '../_base_/cpu_budget_300it.py']
model = dict(data_preprocessor=dict(size={{_base_.cpu_crop_size}}), backbone=dict(init_cfg=None))
optim_wrapper = dict(optimizer=dict(lr=0.0001))  # a tenth of the from-scratch lr
# The heavy-augmentation run in run_cpu_budget.py's default work dir; the script points this at its own.
load_from = 'work_dirs/clothing_cpu_budget/topformer_b_ce-dice-heavyaug/iter_300.pth'
train_dataloader = {{_base_.cpu_heavyaug_train_dataloader}}
val_dataloader = {{_base_.cpu_val_dataloader}}
test_dataloader = {{_base_.cpu_test_dataloader}}
val_evaluator = {{_base_.cpu_evaluator}}
test_evaluator = val_evaluator
train_cfg = {{_base_.cpu_lovasz_schedule.train_cfg}}
param_scheduler = {{_base_.cpu_lovasz_schedule.param_scheduler}}
default_hooks = {{_base_.cpu_lovasz_schedule.default_hooks}}
