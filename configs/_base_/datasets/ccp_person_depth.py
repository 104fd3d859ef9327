# ccp_person.py with relative inverse depth (precomputed by tools/misc/precompute_depth.py) appended to the
# photo as a 4th input channel; pair it with a 4-channel model (MultiChannelSegDataPreProcessor, backbone
# in_channels=4).
_base_ = ['./ccp_person.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDepthMap'),
    dict(
        type='RandomResize',
        scale={{_base_.image_scale}},
        ratio_range=(0.5, 2.0),
        keep_ratio=True,
        resize_type='DepthAwareResize',
    ),  # depth bilinearly
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatExtraChannels', sources=('depth',)),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthMap'),  # before the resize, which resizes it (bilinearly) with the photo
    dict(type='DepthAwareResize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='ConcatExtraChannels', sources=('depth',)),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
