# EfficientNet-Lite0 cut after its stride-16 stage (out_indices 1, 2, 3: the stride-32 blocks hold 2.2 M of its
# 2.96 M encoder weights), SegformerHead with 64 channels, input 256 x 160.
_base_ = ['./_base_/effnet-lite0_ccp-person_cpu.py']
model = dict(backbone=dict(out_indices=(1, 2, 3)), decode_head=dict(in_channels=[24, 40, 112], in_index=[0, 1, 2]))
