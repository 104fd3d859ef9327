# SERSegFormer-B0 with attention-fusion (AfN, cross-attention from the encoder skips to the gates) instead of
# SegFormer's concatenation of all stages.
_base_ = ['./sersegformer_b0-convdec-abg-dbn-dam_8xb2-160k_easyportrait-person-512x512.py']
# A 64-channel path keeps the AfN fusion convs (3x3 on the concatenated deep and skip paths) light.
model = dict(decode_head=dict(afn=True, afn_cross_attention=True, channels=64))
