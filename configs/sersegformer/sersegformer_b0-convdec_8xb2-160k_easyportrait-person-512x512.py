# Study 5, row "+ conv decoder": SegFormer-B0 whose decoder upsamples stage by stage (bilinear x2 +
# depthwise-separable conv blocks) instead of one interpolation; no attention modules.
_base_ = ['./segformer_b0_8xb2-160k_easyportrait-person-512x512.py']
model = dict(
    backbone=dict(_delete_=True, type='SERSegFormer', arch='b0', in_channels=3, init_cfg=None),
    decode_head=dict(type='ConvUpsampleHead', block_type='dw_separable', abg=False, dbn=None, afn=False),
)
