# The CPU budget of the README's study-5 table (results_cpu_budget.json): every variant moved from EasyPortrait
# to the CCP person masks (every CCP label but 0 is person), from scratch, 300 iterations of batch 4 at 256 x 256
# crops, the photos scaled like the crop (512 -> 256 crops; CCP's 832 x 550 photos by 256 / 512, validation
# included), AdamW at lr 1e-3 with a linear warm-up over 1/12 of the run, then poly decay, seed 0; one
# validation and one checkpoint, at the end.
#
# A variant config inherits its full config and this piece. Two bases may not define the same key, so the values
# that replace the full config's sit under cpu_* names and each variant assigns them to the real keys.
cpu_crop_size = (256, 256)
cpu_image_scale = (416, 275)
cpu_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=cpu_image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
# Each loader gets its own dataset dict: a _delete_ marker is used up by the first key it is merged into.
# Two training data loader workers and one for validation, none kept alive: the machine has 2 cores.
cpu_train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='CCPDataset',
        data_root='data/ccp',
        split='train',
        label_mode='person',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='RandomResize', scale=cpu_image_scale, ratio_range=(0.5, 2.0), keep_ratio=True),
            dict(type='RandomCrop', crop_size=cpu_crop_size, cat_max_ratio=0.75),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PhotoMetricDistortion'),
            dict(type='PackSegInputs'),
        ],
    ),
)
cpu_val_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='CCPDataset',
        data_root='data/ccp',
        split='val',
        label_mode='person',
        pipeline=cpu_test_pipeline,
    ),
)
cpu_test_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='CCPDataset',
        data_root='data/ccp',
        split='val',
        label_mode='person',
        pipeline=cpu_test_pipeline,
    ),
)
# The depth-input variant (its full config already reads CCP): precomputed relative inverse depth as a 4th
# channel (tools/misc/precompute_depth.py writes data/ccp/depth).
cpu_depth_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthMap'),  # before the resize, which resizes it (bilinearly) with the photo
    dict(type='DepthAwareResize', scale=cpu_image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='ConcatExtraChannels', sources=('depth',)),
    dict(type='PackSegInputs'),
]
cpu_depth_train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='LoadDepthMap'),
            dict(
                type='RandomResize',
                scale=cpu_image_scale,
                ratio_range=(0.5, 2.0),
                keep_ratio=True,
                resize_type='DepthAwareResize',
            ),
            dict(type='RandomCrop', crop_size=cpu_crop_size, cat_max_ratio=0.75),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PhotoMetricDistortion'),
            dict(type='ConcatExtraChannels', sources=('depth',)),
            dict(type='PackSegInputs'),
        ]
    ),
)
cpu_depth_val_dataloader = dict(num_workers=1, persistent_workers=False, dataset=dict(pipeline=cpu_depth_test_pipeline))
# Person and background IoU as named metrics (mmseg's IoUMetric only logs them); the table reads gIoU.*.
cpu_evaluator = [dict(type='ClassIoUMetric'), dict(type='GroupIoUMetric', groups=dict(person=[1], background=[0]))]
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
custom_hooks = [dict(type='RunSummaryHook')]  # run_summary.json: what the runner reads back
randomness = dict(seed=0)
