# Common ground of the CCP pose study (projects/ccp_pose_aux): TopFormer-B trained from scratch on CCP's 643
# train photos with study 1's clothing4 grouping (background / upper / lower / whole), BlazePose keypoints
# (tools/dataset_converters/annotate_pose.py) for the pose targets and inputs, evaluated on the 161 val
# photos of the seed-0 split at their original size. Every variant shares this data, network and evaluation;
# variants only add auxiliary heads (model.aux_task_heads) or input channels. No schedule: a config joins this
# file with one of schedules/ (ccp_pose_aux_cpu.py: the 4000-iteration one).
#
# Sized for a 2-core CPU: 256 x 192 crops of a copy of the photos pre-resized to 320 px high
# (tools/dataset_converters/resize_tree.py), batch 8, channels_last, one data loader worker.
_base_ = [
    '../../../../configs/_base_/models/topformer_base.py',
    '../../../../configs/_base_/models/aux_task_heads.py',
    '../../../../configs/_base_/default_runtime.py',
]
dataset_type = 'CCPDataset'
data_root = 'data/ccp'  # tools/dataset_converters/ccp.py + annotate_pose.py: evaluation at the original size
train_data_root = 'data/ccp_h320'  # resize_tree.py --height 320 of data_root: training only
label_mode = 'clothing4'
crop_size = (256, 192)  # (H, W)
image_scale = (320, 212)  # (long, short) edges: CCP photos are 550 x 832, the copy 212 x 320
# The pose targets' codecs; the auxiliary heads decode with the same ones.
heatmap_codec = dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)
limb_codec = dict(type='LimbMapCodec', stride=4, width=12.0)
landmark_head = dict(decoder=heatmap_codec)
skeleton_head = dict(decoder=limb_codec)
# Pose rendered as inputs (pose_input variants): Gaussians and limbs sized for 256 x 192 crops.
pose_channels = dict(type='ConcatExtraChannels', sources=('keypoint_heatmaps', 'limb_maps'), sigma=6.0, limb_width=12.0)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadDressCodeKeypoints'),
    dict(type='RandomResize', scale=image_scale, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='PoseAwareRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='PoseAwareRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateLandmarkHeatmaps', encoder=heatmap_codec),
    dict(type='GenerateLimbMaps', encoder=limb_codec),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDressCodeKeypoints'),  # before Resize, which scales the joints with the photo
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
# The pipelines of the pose_input variants: the pose channels instead of the pose targets.
pose_input_train_pipeline = train_pipeline[:7] + [pose_channels, train_pipeline[-1]]
pose_input_test_pipeline = test_pipeline[:4] + [pose_channels, test_pipeline[-1]]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=train_data_root, split='train', label_mode=label_mode, pipeline=train_pipeline
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', label_mode=label_mode, pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='ClassIoUMetric'),
    dict(type='GroupIoUMetric', groups=dict(upper=[1], lower=[2], whole=[3], clothing=[1, 2, 3])),
    # clothing4 labels mark no whole person: PCK is normalised by the box of the visible joints. Its mean-pose
    # floor: the mean BlazePose joint positions of the train split.
    dict(
        type='LandmarkPCKMetric',
        normalize='keypoint_box',
        mean_pose_dataset=dict(type=dataset_type, data_root=data_root, split='train', label_mode=label_mode),
    ),
    dict(type='PerImageIoUMetric', classes=('upper', 'lower', 'whole')),
]
test_evaluator = val_evaluator

model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=None, drop_path_rate=0.0),  # from scratch: no pretrained weights on these machines
    decode_head=dict(num_classes=4),
    aux_task_heads=dict(),
)

custom_hooks = [dict(type='ChannelsLastHook'), dict(type='RunSummaryHook')]
randomness = dict(seed=0)
