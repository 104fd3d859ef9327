# Study 1, U2Net (full, 44 M) with the ce-dice recipe of the TopFormer-B config it inherits: the same data,
# schedule and loss, applied to each of U2Net's seven side outputs (deep supervision).
_base_ = ['./topformer_b_ce-dice_8xb2-160k_imaterialist-grouped4-768x768.py']
model = dict(
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5]),
    # SyncBN over the 8 GPUs, as the TopFormer-B side of the comparison (U2Net's own default is per-GPU BN)
    backbone=dict(
        _delete_=True,
        type='U2Net',
        arch='full',
        in_channels=3,
        num_classes=4,
        norm_cfg={{_base_.norm_cfg}},
        init_cfg=None,
    ),
    decode_head=dict(
        _delete_=True,
        type='U2NetHead',
        num_classes=4,
        align_corners=False,
        loss_decode={{_base_.model.decode_head.loss_decode}},
    ),
)
