# SERSegFormer-B0 (study 5): the MiT-B0 encoder of SegFormer-B0 with a conv-upsampling decoder carrying
# SERNet-Former's attention: channel AbG on every upsampling block, a DbN bridge (channel compression +
# DAM) on the deepest stage; AfN and the depth input channel are switched on by the variant configs.
_base_ = ['./segformer_b0.py']
model = dict(
    backbone=dict(_delete_=True, type='SERSegFormer', arch='b0', in_channels=3, init_cfg=None),
    decode_head=dict(
        type='SERSegFormerHead',
        block_type='dw_separable',
        abg=True,
        abg_mode='channel',
        dbn=dict(dilations=(1, 2, 3), compress_channels=64, dam=True),
        afn=False,
        afn_cross_attention=False,
    ),
)
