# What both CPU budgets of this study share (cpu_budget_300it.py, cpu_budget_1500it.py): the iMaterialist recipes
# moved to the CCP split with study 1's grouping (label_mode='clothing4'), from scratch at 192 x 192 crops, the
# photos scaled like the crop (768 -> 192 crops; CCP's 832 x 550 photos by 192 / 512, validation included),
# evaluated with study 1's per-image IoU and dataset-level IoU of upper / lower / whole, seed 0.
#
# A variant config inherits its full config and a budget piece. Two bases may not define the same key, so the
# values that replace the full config's sit under cpu_* names and each variant assigns them to the real keys.
cpu_crop_size = (192, 192)
cpu_image_scale = (312, 206)
cpu_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=cpu_image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
# Each loader gets its own dataset dict: a _delete_ marker is used up by the first key it is merged into.
# Two training data loader workers and one for validation, none kept alive: the machine has 2 cores.
cpu_train_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='CCPDataset',
        data_root='data/ccp',
        split='train',
        label_mode='clothing4',
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
# The heavy-augmentation recipe's pipeline (and the Lovasz fine-tuning's, which inherits it) at this crop.
cpu_heavyaug_train_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='CCPDataset',
        data_root='data/ccp',
        split='train',
        label_mode='clothing4',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='RandomResize', scale=cpu_image_scale, ratio_range=(0.25, 2.5), keep_ratio=True),
            dict(type='RandomRotate', prob=0.5, degree=30, pad_val=0, seg_pad_val=255),
            dict(type='RandomCrop', crop_size=cpu_crop_size, cat_max_ratio=0.75),
            dict(type='RandomFlip', prob=0.5),
            dict(
                type='PhotoMetricDistortion',
                brightness_delta=48,
                contrast_range=(0.4, 1.6),
                saturation_range=(0.4, 1.6),
                hue_delta=24,
            ),
            dict(
                type='RandomCutOut',
                prob=0.5,
                n_holes=(1, 4),
                cutout_ratio=[(0.05, 0.05), (0.1, 0.1), (0.15, 0.1)],
                fill_in=(0, 0, 0),
                seg_fill_in=255,
            ),
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
        label_mode='clothing4',
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
        label_mode='clothing4',
        pipeline=cpu_test_pipeline,
    ),
)
# Class and group IoU as named metrics (mmseg's IoUMetric only logs them); study 1's per-image IoU.
cpu_evaluator = [
    dict(type='ClassIoUMetric'),
    dict(type='GroupIoUMetric', groups=dict(upper=[1], lower=[2], whole=[3])),
    dict(type='PerImageIoUMetric', classes=('upper', 'lower', 'whole')),
]
custom_hooks = [dict(type='RunSummaryHook')]  # run_summary.json: what the runner reads back
randomness = dict(seed=0)
