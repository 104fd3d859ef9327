"""SERNet-Former's encoder (Erisen, arXiv 2401.15741, CVPRW 2024): a residual CNN with attention-boosting gates.

Any timm CNN with four feature stages at strides 4, 8, 16 and 32 serves as the encoder (ResNet-50 as in the
paper's Efficient-ResNet, EfficientNet-B0 for speed); an attention-boosting gate (AbG) re-weights each
stage's output before the decoder (``SERNetFormerHead``) reads it.
"""
from typing import List, Optional, Sequence

import timm
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...utils.pretrained import load_pretrained_backbone
from ..attention import AbG
from ..utils.input_channels import EXTRA_CHANNEL_RULES, expand_input_conv_weight


@MODELS.register_module()
class SERNetFormer(BaseModule):
    """timm encoder + AbG per stage.

    Args:
        encoder: timm model name ('resnet50', 'resnet18', 'efficientnet_b0', ...). Nothing is downloaded:
            ImageNet weights come from ``init_cfg=dict(type='Pretrained', checkpoint=PATH)`` (a timm/torchvision
            classification state dict; classifier keys are ignored).
        out_indices: timm feature indices of the strides 4, 8, 16, 32.
        in_channels: 3 for RGB, more for extra input channels (depth, pose).
        extra_in_channels_init: how an RGB checkpoint fills the stem weights of the extra channels.
        abg: gate every stage output; ``abg_mode`` 'element' (the paper) or 'channel'.
    """

    def __init__(self,
                 encoder: str = 'resnet50',
                 out_indices: Sequence[int] = (1, 2, 3, 4),
                 in_channels: int = 3,
                 extra_in_channels_init: str = 'zeros',
                 abg: bool = True,
                 abg_mode: str = 'element',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if extra_in_channels_init not in EXTRA_CHANNEL_RULES:
            raise ValueError(f'extra_in_channels_init must be one of {EXTRA_CHANNEL_RULES}')
        self.encoder = timm.create_model(encoder, pretrained=False, features_only=True,
                                         out_indices=tuple(out_indices), in_chans=in_channels)
        reductions = self.encoder.feature_info.reduction()
        if list(reductions) != [4, 8, 16, 32]:
            raise ValueError(f'{encoder} with out_indices={tuple(out_indices)} gives strides {reductions}; '
                             'SERNet-Former needs strides 4, 8, 16, 32')
        self.out_channels: List[int] = list(self.encoder.feature_info.channels())
        self.gates = nn.ModuleList([AbG(c, mode=abg_mode, enabled=abg) for c in self.out_channels])
        self.in_channels = in_channels
        self.extra_in_channels_init = extra_in_channels_init
        # The stem conv: the only weight whose shape depends on in_channels.
        self._stem_key = next(name + '.weight' for name, m in self.encoder.named_modules() if isinstance(m, nn.Conv2d))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        self.adapt_state_dict(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def adapt_state_dict(self, state_dict: dict, prefix: str = '') -> None:
        """Widen a 3-channel stem weight in ``state_dict`` (in place) to this model's ``in_channels``."""
        for key in (prefix + 'encoder.' + self._stem_key, prefix + self._stem_key):
            if key in state_dict and state_dict[key].shape[1] != self.in_channels:
                state_dict[key] = expand_input_conv_weight(state_dict[key], self.in_channels,
                                                           self.extra_in_channels_init)

    def init_weights(self) -> None:
        if self.init_cfg is not None and self.init_cfg.get('type') == 'Pretrained':
            # Classification checkpoints name the encoder's tensors without the 'encoder.' prefix.
            load_pretrained_backbone(self.encoder, self.init_cfg['checkpoint'], prefix=self.init_cfg.get('prefix'),
                                     adapt=self.adapt_state_dict)
        else:
            super().init_weights()

    def forward(self, x: Tensor) -> List[Tensor]:
        return [gate(feature) for gate, feature in zip(self.gates, self.encoder(x))]
