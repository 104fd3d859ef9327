# U2Net in its small size (U2NETP), cross-entropy, at the CPU budget of ../_base_/cpu_budget_1500it.py.
# The full 44 M U2Net does not train on a CPU budget: U2NETP (1.1 M) takes its place.
_base_ = ['../u2net_full_ce_8xb2-160k_imaterialist-grouped4-768x768.py', '../_base_/cpu_budget_1500it.py']
model = dict(data_preprocessor=dict(size={{_base_.cpu_crop_size}}), backbone=dict(arch='small', init_cfg=None))
optim_wrapper = dict(optimizer=dict(lr=0.001))  # the config's AdamW, from scratch
train_dataloader = {{_base_.cpu_train_dataloader}}
val_dataloader = {{_base_.cpu_val_dataloader}}
test_dataloader = {{_base_.cpu_test_dataloader}}
val_evaluator = {{_base_.cpu_evaluator}}
test_evaluator = val_evaluator
train_cfg = {{_base_.cpu_u2netp_schedule.train_cfg}}
param_scheduler = {{_base_.cpu_u2netp_schedule.param_scheduler}}
default_hooks = {{_base_.cpu_u2netp_schedule.default_hooks}}
