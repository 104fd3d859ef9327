default_scope = 'mmseg'
# mmengine's Runner whose data loader workers leave SIGTERM / SIGUSR1 to the main process (which then saves a
# checkpoint) and which converts a ChannelsLastHook model before DDP wraps it (mmext/engine/runner.py).
runner_type = 'MMExtRunner'
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo when no GPU is present.
    dist_cfg=dict(backend='nccl'),
)
# Scalars (losses, learning rate, metrics) go to <work_dir>/<timestamp>/vis_data: scalars.json (LocalVisBackend,
# read by tools/analysis_tools/plot_curves.py) and TensorBoard event files (`tensorboard --logdir work_dirs`).
# Weights & Biases: add dict(type='WandbVisBackend', init_kwargs=dict(project='mmext')) (pip install wandb).
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='SegTTAModel')
