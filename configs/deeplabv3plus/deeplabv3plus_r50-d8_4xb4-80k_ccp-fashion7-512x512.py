# Study 4: DeepLabV3+-R50 on the 7 fashion classes mapped from CCP's 59 labels.
_base_ = [
    '../_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/ccp_fashion7.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_80k_sgd.py',
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
train_dataloader = dict(batch_size=4)
