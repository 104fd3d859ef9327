# TopFormer-Tiny (Zhang et al., CVPR 2022): TopFormer-Base's model with the tiny token pyramid, 128-channel
# decoded scales and a depthwise fusion conv in the head (the official is_dw=True). Loads the official ADE20K
# checkpoints strictly (num_classes=150).
_base_ = ['./topformer_base.py']
model = dict(backbone=dict(arch='tiny'), decode_head=dict(in_channels=[128, 128, 128], channels=128, is_dw=True))
