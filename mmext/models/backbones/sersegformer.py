"""The SERSegFormer encoder of study 5: SegFormer's Mix Transformer, optionally with a depth input channel.

The encoder is mmseg's ``MixVisionTransformer`` (Xie et al., NeurIPS 2021) with presets for MiT-B0..B2;
what SERSegFormer adds sits in its decoder (``SERSegFormerHead``: conv upsampling, AbG, DbN, DAM, AfN).
Extra input channels (MiDaS depth, pose) widen the first patch embedding; an RGB checkpoint (ImageNet or
ADE20K SegFormer) still loads, its weights for the extra channels filled by ``extra_in_channels_init``.
"""
from typing import Optional

from mmseg.models.backbones import MixVisionTransformer
from mmseg.registry import MODELS

from ...utils.pretrained import load_pretrained_backbone
from ..utils.input_channels import EXTRA_CHANNEL_RULES, expand_input_conv_weight

# MiT presets (SegFormer paper, Table 6): embedding width, blocks per stage, heads per stage.
ARCH_SETTINGS = {
    'b0': dict(embed_dims=32, num_layers=[2, 2, 2, 2], num_heads=[1, 2, 5, 8]),
    'b1': dict(embed_dims=64, num_layers=[2, 2, 2, 2], num_heads=[1, 2, 5, 8]),
    'b2': dict(embed_dims=64, num_layers=[3, 4, 6, 3], num_heads=[1, 2, 5, 8]),
}
STEM_WEIGHT = 'layers.0.0.projection.weight'


@MODELS.register_module()
class SERSegFormer(MixVisionTransformer):
    """Mix Transformer encoder with an ``in_channels``-wide input (RGB + depth for study 5).

    Args:
        arch: 'b0' (3.3 M parameters, SegFormer-B0's encoder), 'b1' or 'b2'.
        in_channels: 3 for RGB, 4 for RGB + depth.
        extra_in_channels_init: how an RGB checkpoint fills the stem weights of the extra channels
            ('zeros': the widened model starts as the RGB model; 'rgb_mean').
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH[, prefix=...])`` loads a local MiT/SegFormer
            checkpoint (a segmentor's ``backbone.`` prefix is detected).
        **kwargs: further :class:`MixVisionTransformer` arguments (drop_path_rate, out_indices, ...).
    """

    def __init__(self,
                 arch: str = 'b0',
                 in_channels: int = 3,
                 extra_in_channels_init: str = 'zeros',
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        if arch not in ARCH_SETTINGS:
            raise ValueError(f'Unknown SERSegFormer arch {arch!r}; choose from {sorted(ARCH_SETTINGS)}')
        if extra_in_channels_init not in EXTRA_CHANNEL_RULES:
            raise ValueError(f'extra_in_channels_init must be one of {EXTRA_CHANNEL_RULES}')
        settings = dict(ARCH_SETTINGS[arch], patch_sizes=[7, 3, 3, 3], sr_ratios=[8, 4, 2, 1], mlp_ratio=4,
                        qkv_bias=True, drop_path_rate=0.1)
        settings.update(kwargs)
        # The base class would hand a Pretrained init_cfg to mmengine's loader; ours adapts the stem first.
        super().__init__(in_channels=in_channels, **settings)
        self.init_cfg = init_cfg
        self.in_channels = in_channels
        self.extra_in_channels_init = extra_in_channels_init
        self.out_channels = [settings['embed_dims'] * h for h in settings['num_heads']]

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        self.adapt_state_dict(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def adapt_state_dict(self, state_dict: dict, prefix: str = '') -> None:
        """Widen a 3-channel stem weight in ``state_dict`` (in place) to this model's ``in_channels``."""
        key = prefix + STEM_WEIGHT
        if key in state_dict and state_dict[key].shape[1] != self.in_channels:
            state_dict[key] = expand_input_conv_weight(state_dict[key], self.in_channels,
                                                       self.extra_in_channels_init)

    def init_weights(self) -> None:
        if self.init_cfg is not None and self.init_cfg.get('type') == 'Pretrained':
            load_pretrained_backbone(self, self.init_cfg['checkpoint'], prefix=self.init_cfg.get('prefix'))
        else:
            super().init_weights()
