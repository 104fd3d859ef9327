# Study 1, TopFormer-B with cross-entropy + Dice and heavy augmentations: wider scale range, rotation,
# colour distortion and cut-out on top of the standard crop and flip.
_base_ = ['./topformer_b_ce-dice_8xb2-160k_imaterialist-grouped4-768x768.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.25, 2.5), keep_ratio=True),
    dict(type='RandomRotate', prob=0.5, degree=30, pad_val=0, seg_pad_val=255),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
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
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
