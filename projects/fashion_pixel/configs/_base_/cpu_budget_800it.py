# The CPU budget of the README's table (results_cpu_budget_800it.json): every study-4 model from scratch on the
# CCP split and label mode of its full config, 800 iterations of batch 8 at 256 x 256 crops, the photos scaled
# like the crop (512 -> 256 crops; CCP's 832 x 550 photos by 256 / 512, validation included), the config's own
# optimizer (lr set by the variant) with a linear warm-up over 1/12 of the run, then poly decay, seed 0; one
# validation and one checkpoint, at the end.
#
# A variant config inherits its full config and this piece. Two bases may not define the same key, so the values
# that replace the full config's sit under cpu_* names and each variant assigns them to the real keys.
cpu_crop_size = (256, 256)
cpu_image_scale = (416, 275)
# The full configs' pipeline steps, at this crop and scale.
cpu_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=cpu_image_scale, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=cpu_crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
cpu_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=cpu_image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
# Two training data loader workers and one for validation, none kept alive: the machine has 2 cores.
cpu_train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=False, dataset=dict(pipeline=cpu_train_pipeline)
)
cpu_val_dataloader = dict(num_workers=1, persistent_workers=False, dataset=dict(pipeline=cpu_test_pipeline))
cpu_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU'])]
cpu_schedule = dict(
    train_cfg=dict(max_iters=800, val_interval=800),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=66),
        dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=66, end=800),
    ],
    default_hooks=dict(
        logger=dict(interval=80),
        checkpoint=dict(interval=800, max_keep_ckpts=1, save_best=None),
        visualization=dict(draw=False),
    ),
)
custom_hooks = [dict(type='RunSummaryHook')]  # run_summary.json: what the runner reads back
randomness = dict(seed=0)
