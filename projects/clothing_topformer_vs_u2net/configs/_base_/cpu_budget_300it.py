# The earlier, smoke-scale CPU budget (results_cpu_budget_300it.json), on cpu_budget_ccp.py's data: batch 4,
# each model from scratch with its config's AdamW (lr set by the variant), a linear warm-up over 1/12 of the run,
# then poly decay; one validation and one checkpoint, at the end.
_base_ = ['./cpu_budget_ccp.py']
cpu_train_dataloader = dict(batch_size=4)
cpu_heavyaug_train_dataloader = dict(batch_size=4)
# TopFormer-B and U2NETP rows alike: 300 iterations.
cpu_schedule = dict(
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
cpu_u2netp_schedule = cpu_schedule
# Lovasz fine-tuning of the heavy-augmentation model: 100 more iterations.
cpu_lovasz_schedule = dict(
    train_cfg=dict(max_iters=100, val_interval=100),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=8),
        dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=8, end=100),
    ],
    default_hooks=dict(
        logger=dict(interval=10),
        checkpoint=dict(interval=100, max_keep_ckpts=1, save_best=None),
        visualization=dict(draw=False),
    ),
)
