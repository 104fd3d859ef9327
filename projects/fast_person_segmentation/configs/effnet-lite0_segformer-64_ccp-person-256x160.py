# The whole EfficientNet-Lite0 encoder (out_indices 1, 2, 3, 4: strides 4 to 32), SegformerHead with 64 channels,
# input 256 x 160.
_base_ = ['./_base_/effnet-lite0_ccp-person_cpu.py']
