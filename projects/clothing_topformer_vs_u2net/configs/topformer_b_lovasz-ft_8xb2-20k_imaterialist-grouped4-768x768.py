# Study 1, Lovasz fine-tuning: start from the CE + Dice + heavy-augmentation model and optimise the Lovasz
# hinge on IoU directly for 20k iterations at a tenth of the learning rate.
_base_ = ['./topformer_b_ce-dice-heavyaug_8xb2-160k_imaterialist-grouped4-768x768.py']
load_from = 'work_dirs/topformer_b_ce-dice-heavyaug_8xb2-160k_imaterialist-grouped4-768x768/iter_160000.pth'
model = dict(
    decode_head=dict(
        loss_decode=[
            dict(type='LovaszLoss', loss_type='multi_class', per_image=False, reduction='none', loss_weight=1.0),
        ]
    )
)
optim_wrapper = dict(optimizer=dict(lr=0.000012))
param_scheduler = [dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=0, end=20000)]
train_cfg = dict(max_iters=20000, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
