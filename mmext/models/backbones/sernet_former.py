"""SERNet-Former's encoder (Erisen, arXiv 2401.15741, CVPRW 2024): a residual CNN with attention-boosting gates.

Any timm CNN with four feature stages at strides 4, 8, 16 and 32 serves as the encoder (ResNet-50 as in the
paper's Efficient-ResNet, EfficientNet-B0 for speed). As in the paper, attention-boosting gates (AbG) sit in
the encoder's conv blocks: for each residual block (timm's Bottleneck / BasicBlock, InvertedResidual,
DepthwiseSeparableConv, EdgeResidual), ``f = BN(conv(x))`` of its last conv (the BN output before any
activation or residual sum) is gated and added to the block's output: ``out = block(x) + sigmoid(g(f)) * f``.
``abg_placement='stage'`` instead gates each stage's output ``f`` once (``f + sigmoid(g(f)) * f``): a
cheaper variant, not the paper's.
"""
from functools import partial
from typing import Dict, List, Optional, Sequence

import timm
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..attention import AbG
from .pretrained_stem import PretrainedStemMixin


# timm's residual conv blocks, whose last BN output is f = BN(conv(x)) before any activation.
GATED_BLOCK_TYPES = ('Bottleneck', 'BasicBlock', 'InvertedResidual', 'DepthwiseSeparableConv', 'EdgeResidual')
ABG_PLACEMENTS = ('block', 'stage')


def _last_norm(block: nn.Module) -> nn.BatchNorm2d:
    norms = [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]
    if not norms:
        raise ValueError(f'{type(block).__name__} has no BatchNorm to gate')
    return norms[-1]


@MODELS.register_module()
class SERNetFormer(PretrainedStemMixin, BaseModule):
    """timm encoder with attention-boosting gates in its conv blocks (see the module doc).

    Args:
        encoder: timm model name ('resnet50', 'resnet18', 'efficientnet_b0', ...). Nothing is downloaded:
            ImageNet weights come from ``init_cfg=dict(type='Pretrained', checkpoint=PATH)`` (a timm/torchvision
            classification state dict; classifier keys are ignored).
        out_indices: timm feature indices of the strides 4, 8, 16, 32.
        in_channels: 3 for RGB, more for extra input channels (depth, pose).
        extra_in_channels_init: how an RGB checkpoint fills the stem weights of the extra channels.
        abg: use attention-boosting gates; ``abg_mode`` 'element' (the paper) or 'channel'.
        abg_placement: 'block' (the paper: every residual conv block) or 'stage' (each stage output once).
    """

    # Classification checkpoints name the encoder's tensors without the 'encoder.' prefix.
    pretrained_module = 'encoder'

    def __init__(self,
                 encoder: str = 'resnet50',
                 out_indices: Sequence[int] = (1, 2, 3, 4),
                 in_channels: int = 3,
                 extra_in_channels_init: str = 'zeros',
                 abg: bool = True,
                 abg_mode: str = 'element',
                 abg_placement: str = 'block',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self._init_input_channels(in_channels, extra_in_channels_init)
        self.encoder = timm.create_model(encoder, pretrained=False, features_only=True,
                                         out_indices=tuple(out_indices), in_chans=in_channels)
        reductions = self.encoder.feature_info.reduction()
        if list(reductions) != [4, 8, 16, 32]:
            raise ValueError(f'{encoder} with out_indices={tuple(out_indices)} gives strides {reductions}; '
                             'SERNet-Former needs strides 4, 8, 16, 32')
        self.out_channels: List[int] = list(self.encoder.feature_info.channels())
        if abg_placement not in ABG_PLACEMENTS:
            raise ValueError(f'abg_placement must be one of {ABG_PLACEMENTS}, got {abg_placement!r}')
        self.abg_placement = abg_placement
        if abg_placement == 'stage':
            self.gates = nn.ModuleList([AbG(c, mode=abg_mode, enabled=abg) for c in self.out_channels])
        else:
            blocks = [m for m in self.encoder.modules() if type(m).__name__ in GATED_BLOCK_TYPES]
            if not blocks:
                raise ValueError(f'{encoder} has none of the residual blocks {GATED_BLOCK_TYPES} to gate; use '
                                 "abg_placement='stage'")
            self.gates = nn.ModuleList([AbG(_last_norm(b).num_features, mode=abg_mode, enabled=abg) for b in blocks])
            if abg:
                self._gate_blocks(blocks)
        # The stem conv: the only weight whose shape depends on in_channels.
        self.stem_weight_keys = (next(f'encoder.{name}.weight' for name, m in self.encoder.named_modules()
                                      if isinstance(m, nn.Conv2d)),)

    def _gate_blocks(self, blocks: List[nn.Module]) -> None:
        """Forward hooks: gate each block's last BN output ``f`` as it is made (timm blocks then change it in
        place: residual sum, in-place activation), and add the gated feature to the block's output. The hooks
        are bound methods of this module, so a deep copy (float64 checks, BN folding) gates with its own copy."""
        self._boosts: Dict[int, Tensor] = {}
        for index, block in enumerate(blocks):
            _last_norm(block).register_forward_hook(partial(self._boost_hook, index))
            block.register_forward_hook(partial(self._add_boost_hook, index))

    def _boost_hook(self, index: int, module: nn.Module, args, output: Tensor) -> None:
        self._boosts[index] = self.gates[index].boost(output)

    def _add_boost_hook(self, index: int, module: nn.Module, args, output: Tensor) -> Tensor:
        return output + self._boosts.pop(index)

    def forward(self, x: Tensor) -> List[Tensor]:
        features = self.encoder(x)
        if self.abg_placement == 'stage':
            return [gate(feature) for gate, feature in zip(self.gates, features)]
        return features
