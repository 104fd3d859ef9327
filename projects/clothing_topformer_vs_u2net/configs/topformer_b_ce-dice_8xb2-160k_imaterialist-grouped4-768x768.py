# Study 1, TopFormer-B with cross-entropy + Dice.
_base_ = ['./topformer_b_ce_8xb2-160k_imaterialist-grouped4-768x768.py']
model = dict(
    decode_head=dict(
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            dict(type='DiceLoss', use_sigmoid=False, loss_weight=1.0),
        ]
    )
)
