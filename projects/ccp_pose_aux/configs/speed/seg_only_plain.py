# seg_only without this project's CPU training levers, for measure_training_speed.py: NCHW tensors (no
# ChannelsLastHook) and the original 550 x 832 photos decoded and resized by 2 data loader workers.
_base_ = ['../clothing4/seg_only.py']
train_dataloader = dict(num_workers=2, dataset=dict(data_root={{_base_.data_root}}))
custom_hooks = [dict(type='RunSummaryHook')]
