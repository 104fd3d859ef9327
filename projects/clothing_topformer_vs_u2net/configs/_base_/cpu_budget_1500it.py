# The CPU budget of the README's table (results_cpu_budget_1500it.json), on cpu_budget_ccp.py's data: batch 8,
# each model from scratch with its config's AdamW (lr set by the variant), a linear warm-up over 1/12 of the run,
# then poly decay; one validation and one checkpoint, at the end.
_base_ = ['./cpu_budget_ccp.py']
cpu_train_dataloader = dict(batch_size=8)
cpu_heavyaug_train_dataloader = dict(batch_size=8)
# TopFormer-B rows: 1500 iterations, about 19 epochs of the 643 training photos.
cpu_schedule = dict(
    train_cfg=dict(max_iters=1500, val_interval=1500),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=125),
        dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=125, end=1500),
    ],
    default_hooks=dict(
        logger=dict(interval=150),
        checkpoint=dict(interval=1500, max_keep_ckpts=1, save_best=None),
        visualization=dict(draw=False),
    ),
)
# U2NETP rows: 200 iterations, about the wall-clock of TopFormer-B's 1500 (train_time_s, results_cpu_budget_1500it.json)
cpu_u2netp_schedule = dict(
    train_cfg=dict(max_iters=200, val_interval=200),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=16),
        dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=16, end=200),
    ],
    default_hooks=dict(
        logger=dict(interval=20),
        checkpoint=dict(interval=200, max_keep_ckpts=1, save_best=None),
        visualization=dict(draw=False),
    ),
)
# Lovasz fine-tuning of the heavy-augmentation model: 300 more iterations.
cpu_lovasz_schedule = dict(
    train_cfg=dict(max_iters=300, val_interval=300),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=25),
        dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=25, end=300),
    ],
    default_hooks=dict(
        logger=dict(interval=30),
        checkpoint=dict(interval=300, max_keep_ckpts=1, save_best=None),
        visualization=dict(draw=False),
    ),
)
