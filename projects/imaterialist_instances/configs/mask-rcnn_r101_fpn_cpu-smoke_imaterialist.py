# CPU smoke run of study 3's Mask R-CNN R-101 FPN: same model and data, 128-pixel images, batch 1, 4 training
# iterations, then validation on 2 images (COCO bbox / segm mAP, meaningless after 4 iterations: it only
# shows that the whole path runs). Point data_root at an iMaterialist folder with
#   --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
_base_ = './mask-rcnn_r101_fpn_8xb2-1x_imaterialist.py'

image_scale = (128, 128)
max_iters = 4

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadIMaterialistAnnotations', with_bbox=True, with_label=True, with_mask=True),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'instances')),
]
train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(filter_cfg=dict(filter_empty_gt=True, min_size=0), pipeline=train_pipeline),
)
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(indices=2, pipeline=test_pipeline))
test_dataloader = val_dataloader

# After a few iterations every class scores about 1/47, below the usual 0.05: keep every detection so that the
# evaluation has something to score.
model = dict(test_cfg=dict(rcnn=dict(score_thr=0.0)))

train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=max_iters)]
optim_wrapper = dict(optimizer=dict(lr=0.0025))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=max_iters, by_epoch=False),
    visualization=dict(type='DetVisualizationHook', draw=False),
)
log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
