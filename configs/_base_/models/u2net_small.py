# U^2-Net, small size (U2NETP, 1.14 M parameters with 4 classes): u2net_full.py with arch='small' (same
# segmentor, preprocessing and deep-supervision loss). The official cloth checkpoint is full-size; U2NETP
# checkpoints load strictly after tools/model_converters/u2net2mmext.py.
_base_ = ['./u2net_full.py']
model = dict(backbone=dict(arch='small'))
