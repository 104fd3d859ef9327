# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A timm CNN's feature stages as an mmseg backbone, pretrained from a local ImageNet file.

mmseg's ``TIMMBackbone`` wraps ``timm.create_model(features_only=True)``; this backbone differs where the
project needs it:

- the network keeps timm's classification module names (``conv_stem``, ``blocks.N.M``, ...), so an ImageNet
  classification state dict loads into it directly (its head tensors are the only ones left over);
- the stages after the last ``out_indices`` are removed (timm's ``prune_intermediate_layers``): an encoder cut
  at stride 16 carries none of the stride-32 weights;
- extra input channels (pose, depth) widen the pretrained stem (:class:`PretrainedStemMixin`);
- its normalisation survives every BN converter. timm fuses BN and activation into one ``BatchNormAct2d``;
  torch's ``convert_sync_batchnorm`` (mmengine's ``sync_bn='torch'``) and mmengine's revert to BN in a
  single process replace such a layer by a plain BN and silently drop the activation. Here each one is a plain
  ``BatchNorm2d`` (same state-dict keys) whose activation runs as a forward hook, attached again whenever a
  converter has replaced the norm modules. ``norm_cfg=dict(type='SyncBN')`` builds SyncBN directly.
"""

from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import timm
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from timm.layers import BatchNormAct2d
from torch import Tensor

from .pretrained_stem import PretrainedStemMixin

NORM_TYPES = ('BN', 'SyncBN')


def _unfuse_norm_act(model: nn.Module, sync: bool) -> Dict[str, nn.Module]:
    """Replace each ``BatchNormAct2d`` by a plain (Sync)BatchNorm2d; returns {module name: activation}."""
    activations = {}
    for name, module in list(model.named_modules()):
        if not isinstance(module, BatchNormAct2d):
            continue
        if not isinstance(module.drop, nn.Identity):
            raise ValueError(f'{name}: BatchNormAct2d with drop-block is not supported')
        norm_type = nn.SyncBatchNorm if sync else nn.BatchNorm2d
        norm = norm_type(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats)
        norm.load_state_dict(module.state_dict())
        parent, _, child = name.rpartition('.')
        setattr(model.get_submodule(parent), child, norm)
        if not isinstance(module.act, nn.Identity):
            activations[name] = module.act
    if sync:  # the plain BN layers timm builds without an activation
        for name, module in list(model.named_modules()):
            if type(module) is nn.BatchNorm2d:
                parent, _, child = name.rpartition('.')
                setattr(model.get_submodule(parent), child, nn.SyncBatchNorm.convert_sync_batchnorm(module))
    return activations


@MODELS.register_module()
class TimmEncoder(PretrainedStemMixin, BaseModule):
    """Feature maps of a timm CNN at ``out_indices`` (see the module doc).

    Args:
        model_name: a timm CNN with ``forward_intermediates`` ('tf_efficientnet_lite0', 'efficientnet_b0',
            'resnet50', ...). Nothing is downloaded: weights come from
            ``init_cfg=dict(type='Pretrained', checkpoint=PATH)`` holding a timm classification state dict.
        out_indices: timm feature indices (``model.feature_info``); for EfficientNets and ResNets 1, 2, 3, 4
            are the strides 4, 8, 16, 32.
        in_channels: 3 for RGB, more for extra input channels.
        extra_in_channels_init: how an RGB checkpoint fills the stem weights of the extra channels.
        norm_cfg: ``dict(type='BN')`` or ``dict(type='SyncBN')`` (GPU configs; run as BN outside a process group).
        drop_path_rate: timm's stochastic depth.
    """

    pretrained_module = 'encoder'

    def __init__(
        self,
        model_name: str,
        out_indices: Sequence[int] = (1, 2, 3, 4),
        in_channels: int = 3,
        extra_in_channels_init: str = 'zeros',
        norm_cfg: Optional[dict] = None,
        drop_path_rate: float = 0.0,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        self._init_input_channels(in_channels, extra_in_channels_init)
        norm_type = (norm_cfg or dict(type='BN'))['type']
        if norm_type not in NORM_TYPES:
            raise ValueError(f'norm_cfg type must be one of {NORM_TYPES}, got {norm_type!r}')
        self.encoder = timm.create_model(
            model_name, pretrained=False, in_chans=in_channels, drop_path_rate=drop_path_rate
        )
        if not hasattr(self.encoder, 'forward_intermediates'):
            raise ValueError(f'timm model {model_name!r} has no forward_intermediates; choose a timm CNN that has')
        num_features = len(self.encoder.feature_info)
        if not out_indices or any(not 0 <= i < num_features for i in out_indices):
            raise ValueError(
                f'out_indices {tuple(out_indices)} out of range: {model_name} has feature indices 0..{num_features - 1}'
            )
        self.out_indices = tuple(out_indices)
        self.out_channels: List[int] = [self.encoder.feature_info[i]['num_chs'] for i in self.out_indices]
        self.strides: List[int] = [self.encoder.feature_info[i]['reduction'] for i in self.out_indices]
        self.encoder.prune_intermediate_layers(self.out_indices, prune_norm=True, prune_head=True)
        # Not registered as submodules: activations hold no weights, and the names say where they act.
        self._activations = _unfuse_norm_act(self.encoder, sync=norm_type == 'SyncBN')
        # The stem conv: the only weight whose shape depends on in_channels.
        self.stem_weight_keys = (
            next(f'encoder.{name}.weight' for name, m in self.encoder.named_modules() if isinstance(m, nn.Conv2d)),
        )
        # In a tuple: a module attribute would become a submodule (and a second copy in the state dict).
        self._hooked = (None,)
        self.attach_norm_hooks()

    def _activate(self, name: str, module: nn.Module, args, output: Tensor) -> Tensor:
        return self._activations[name](output)

    def norm_hooks(self) -> List[Tuple[str, Callable]]:
        """(module name, forward hook) pairs that belong on the norm modules, in the order they run."""
        return [(name, partial(self._activate, name)) for name in self._activations]

    def attach_norm_hooks(self, force: bool = False) -> None:
        """Attach :meth:`norm_hooks` to the modules now at their names, where they are not attached yet.

        Converters (SyncBN and back, BN folding to Identity) replace the norm modules and drop their hooks, so
        the forward calls this first; whether the first hooked module is still the one seen last time tells
        whether to look (``force``: look anyway). The hooks are bound methods of this module, so a deep copy
        hooks its own copy.
        """
        hooks = self.norm_hooks()
        if not hooks:
            return
        first = self.encoder.get_submodule(hooks[0][0])
        if first is self._hooked[0] and not force:
            return
        for name, hook in hooks:
            module = self.encoder.get_submodule(name)
            if not any(
                getattr(h, 'func', None) == hook.func and getattr(h, 'args', None) == hook.args
                for h in module._forward_hooks.values()
            ):
                module.register_forward_hook(hook)
        self._hooked = (first,)

    def forward(self, x: Tensor) -> List[Tensor]:
        self.attach_norm_hooks()
        return self.encoder.forward_intermediates(x, indices=self.out_indices, intermediates_only=True)
