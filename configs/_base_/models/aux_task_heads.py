# Auxiliary task heads for TopFormer-B's decoded levels (256 channels at 1/8, 1/16, 1/32), to plug into
# MultiTaskEncoderDecoder: model = dict(aux_task_heads=dict(landmarks={{_base_.landmark_head}}, ...)).
# The landmark and skeleton heads need ``decoder=``: the codec that encodes their targets in the data pipeline,
# set where a config joins the two (e.g. landmark_head = dict(decoder={{_base_.heatmap_codec}})).
# Their norm layers are SyncBN, as the model bases' (topformer_base.py): on 8 GPUs x 2 images a head with plain BN
# would normalise over 2 images. A joining config passes its model's norm_cfg (configs/_base_/ablations/
# dresscode_aux.py); without GPUs tools/train.py runs SyncBN as BN.
aux_norm_cfg = dict(type='SyncBN', requires_grad=True)
landmark_head = dict(
    type='LandmarkHeatmapHead',
    in_channels=[256, 256, 256],
    in_index=[0, 1, 2],
    channels=128,
    num_keypoints=18,
    norm_cfg=aux_norm_cfg,
    # Heatmap MSE is ~1e-2 at the start (~1e-3 later) where CE is ~1. On the synthetic CPU demo, weight 100
    # gave mIoU 8.2 / PCK@0.1 49.9 and weight 20 gave 9.4 / 56.5 (one seed, 400 iterations): 20 it is.
    loss_weight=20.0,
    loss=dict(type='KeypointMSELoss', use_target_weight=True),
)
skeleton_head = dict(
    type='SkeletonHead',
    in_channels=[256, 256],
    in_index=[0, 1],
    channels=64,
    target='limbs',
    norm_cfg=aux_norm_cfg,
    loss_bce_weight=1.0,
    loss_dice_weight=1.0,
    loss_weight=0.5,
)
depth_head = dict(
    type='DepthHead',
    in_channels=[256, 256, 256],
    in_index=[0, 1, 2],
    channels=64,
    target_stride=4,
    norm_cfg=aux_norm_cfg,
    loss=dict(type='ScaleShiftInvariantLoss', mode='ssimse', gradient_weight=0.5),
    loss_weight=1.0,
)
