# Study 4: DeepLabV3-R50, person / background on CCP.
_base_ = [
    '../_base_/models/deeplabv3_r50-d8.py',
    '../_base_/datasets/ccp_person.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_80k_sgd.py',
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    decode_head=dict(num_classes=2),
    auxiliary_head=dict(num_classes=2),
)
train_dataloader = dict(batch_size=4)
