# TopFormer-Small (Zhang et al., CVPR 2022): TopFormer-Base's model with the small token pyramid and 192-channel
# decoded scales. Loads the official ADE20K checkpoints strictly (num_classes=150).
_base_ = ['./topformer_base.py']
model = dict(backbone=dict(arch='small'), decode_head=dict(in_channels=[192, 192, 192], channels=192))
