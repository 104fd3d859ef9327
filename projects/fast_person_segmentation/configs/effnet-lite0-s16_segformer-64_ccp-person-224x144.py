# As effnet-lite0-s16_segformer-64_ccp-person-256x160.py, at a 224 x 144 input (the pipelines say the size).
_base_ = ['./effnet-lite0-s16_segformer-64_ccp-person-256x160.py']
input_hw = (224, 144)
input_wh = (144, 224)
model = dict(data_preprocessor=dict(size=input_hw))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=input_wh, ratio_range=(0.75, 1.5), keep_ratio=False),
    dict(type='RandomCrop', crop_size=input_hw, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_wh, keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
