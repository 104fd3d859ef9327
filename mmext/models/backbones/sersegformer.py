# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The SERSegFormer encoder (the fast person/background study's model, docs/models.md): SegFormer's Mix
Transformer, optionally with a depth input channel.

The encoder is mmseg's ``MixVisionTransformer`` (Xie et al., NeurIPS 2021) with presets for MiT-B0..B2;
what SERSegFormer adds sits in its decoder (``SERSegFormerHead``: conv upsampling, AbG, DbN, DAM, AfN).
Extra input channels (MiDaS depth, pose) widen the first patch embedding; an RGB checkpoint (ImageNet or
ADE20K SegFormer) still loads, its weights for the extra channels filled by ``extra_in_channels_init``.
"""

from typing import Optional

from mmseg.models.backbones import MixVisionTransformer
from mmseg.registry import MODELS

from .pretrained_stem import PretrainedStemMixin

# MiT presets (SegFormer paper, Table 6): embedding width, blocks per stage, heads per stage.
ARCH_SETTINGS = {
    'b0': dict(embed_dims=32, num_layers=[2, 2, 2, 2], num_heads=[1, 2, 5, 8]),
    'b1': dict(embed_dims=64, num_layers=[2, 2, 2, 2], num_heads=[1, 2, 5, 8]),
    'b2': dict(embed_dims=64, num_layers=[3, 4, 6, 3], num_heads=[1, 2, 5, 8]),
}


@MODELS.register_module()
class SERSegFormer(PretrainedStemMixin, MixVisionTransformer):
    """Mix Transformer encoder with an ``in_channels``-wide input (RGB + MiDaS depth, as SERSegFormer's depth variant).

    Args:
        arch: 'b0' (3.3 M parameters, SegFormer-B0's encoder), 'b1' or 'b2'.
        in_channels: 3 for RGB, 4 for RGB + depth.
        extra_in_channels_init: how an RGB checkpoint fills the stem weights of the extra channels
            ('zeros': the widened model starts as the RGB model; 'rgb_mean').
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH[, prefix=...])`` loads a local MiT/SegFormer
            checkpoint (a segmentor's ``backbone.`` prefix is detected).
        **kwargs: further :class:`MixVisionTransformer` arguments (drop_path_rate, out_indices, ...).
    """

    stem_weight_keys = ('layers.0.0.projection.weight',)

    def __init__(
        self,
        arch: str = 'b0',
        in_channels: int = 3,
        extra_in_channels_init: str = 'zeros',
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        if arch not in ARCH_SETTINGS:
            raise ValueError(f'Unknown SERSegFormer arch {arch!r}; choose from {sorted(ARCH_SETTINGS)}')
        settings = dict(
            ARCH_SETTINGS[arch],
            patch_sizes=[7, 3, 3, 3],
            sr_ratios=[8, 4, 2, 1],
            mlp_ratio=4,
            qkv_bias=True,
            drop_path_rate=0.1,
        )
        settings.update(kwargs)
        # The base class would hand a Pretrained init_cfg to mmengine's loader; ours adapts the stem first.
        super().__init__(in_channels=in_channels, **settings)
        self.init_cfg = init_cfg
        self._init_input_channels(in_channels, extra_in_channels_init)
        self.out_channels = [settings['embed_dims'] * h for h in settings['num_heads']]
