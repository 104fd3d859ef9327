# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
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
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ..attention import AbG
from .timm_encoder import TimmEncoder

# timm's residual conv blocks, whose last BN output is f = BN(conv(x)) before any activation.
GATED_BLOCK_TYPES = ('Bottleneck', 'BasicBlock', 'InvertedResidual', 'DepthwiseSeparableConv', 'EdgeResidual')
ABG_PLACEMENTS = ('block', 'stage')


def _last_norm_name(block_name: str, block: nn.Module) -> str:
    norms = [name for name, m in block.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        raise ValueError(f'{type(block).__name__} has no BatchNorm to gate')
    return f'{block_name}.{norms[-1]}'


@MODELS.register_module()
class SERNetFormer(TimmEncoder):
    """timm encoder with attention-boosting gates in its conv blocks (see the module doc).

    Args:
        encoder: timm model name ('resnet50', 'resnet18', 'efficientnet_b0', 'tf_efficientnet_lite0', ...).
            Nothing is downloaded: ImageNet weights come from ``init_cfg=dict(type='Pretrained', checkpoint=PATH)``
            (a timm classification state dict; classifier keys are ignored).
        out_indices: timm feature indices of the strides 4, 8, 16, 32.
        abg: use attention-boosting gates; ``abg_mode`` 'element' (the paper) or 'channel'.
        abg_placement: 'block' (the paper: every residual conv block) or 'stage' (each stage output once).
        Other arguments: :class:`TimmEncoder`.
    """

    def __init__(
        self,
        encoder: str = 'resnet50',
        out_indices: Sequence[int] = (1, 2, 3, 4),
        in_channels: int = 3,
        extra_in_channels_init: str = 'zeros',
        norm_cfg: Optional[dict] = None,
        abg: bool = True,
        abg_mode: str = 'element',
        abg_placement: str = 'block',
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(
            encoder,
            out_indices=out_indices,
            in_channels=in_channels,
            extra_in_channels_init=extra_in_channels_init,
            norm_cfg=norm_cfg,
            init_cfg=init_cfg,
        )
        if self.strides != [4, 8, 16, 32]:
            raise ValueError(
                f'{encoder} with out_indices={tuple(out_indices)} gives strides {self.strides}; '
                'SERNet-Former needs strides 4, 8, 16, 32'
            )
        if abg_placement not in ABG_PLACEMENTS:
            raise ValueError(f'abg_placement must be one of {ABG_PLACEMENTS}, got {abg_placement!r}')
        self.abg_placement = abg_placement
        self._hooked_norms: List[str] = []
        if abg_placement == 'stage':
            self.gates = nn.ModuleList([AbG(c, mode=abg_mode, enabled=abg) for c in self.out_channels])
            return
        blocks = [(name, m) for name, m in self.encoder.named_modules() if type(m).__name__ in GATED_BLOCK_TYPES]
        if not blocks:
            raise ValueError(
                f'{encoder} has none of the residual blocks {GATED_BLOCK_TYPES} to gate; use abg_placement=\'stage\''
            )
        gated_norms = [_last_norm_name(name, block) for name, block in blocks]
        self.gates = nn.ModuleList(
            [AbG(self.encoder.get_submodule(name).num_features, mode=abg_mode, enabled=abg) for name in gated_norms]
        )
        self._boosts: Dict[int, Tensor] = {}
        if abg:
            for index, (_, block) in enumerate(blocks):
                block.register_forward_hook(partial(self._add_boost_hook, index))
            self._hooked_norms = gated_norms
            self.attach_norm_hooks(force=True)

    def norm_hooks(self) -> List[Tuple[str, Callable]]:
        """The encoder's hooks, then one per gated block: it gates the block's last BN output ``f`` as it is made
        (timm blocks then change it in place: residual sum, in-place activation)."""
        gated = getattr(self, '_hooked_norms', [])  # none yet while the base class is constructed
        return super().norm_hooks() + [(name, partial(self._boost_hook, index)) for index, name in enumerate(gated)]

    def _boost_hook(self, index: int, module: nn.Module, args, output: Tensor) -> None:
        self._boosts[index] = self.gates[index].boost(output)

    def _add_boost_hook(self, index: int, module: nn.Module, args, output: Tensor) -> Tensor:
        return output + self._boosts.pop(index)

    def forward(self, x: Tensor) -> List[Tensor]:
        features = super().forward(x)
        if self.abg_placement == 'stage':
            return [gate(feature) for gate, feature in zip(self.gates, features)]
        return features
