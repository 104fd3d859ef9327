# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Pretrained loading shared by the backbones that take extra input channels (pose, depth).

A backbone with ``in_channels > 3`` has a wider stem than the RGB checkpoints it starts from. The mixin
widens the stem weight(s) of any state dict on its way in -- ``load_state_dict`` of a whole segmentor as
well as a ``dict(type='Pretrained', checkpoint=PATH[, prefix=...])`` init_cfg, which it loads itself
through :func:`mmext.utils.pretrained.load_pretrained_backbone` (local files only, loud failures) instead
of mmengine's loader.
"""

from functools import partial
from typing import Iterable, Sequence

from ...utils.pretrained import load_pretrained_backbone
from ..utils.input_channels import EXTRA_CHANNEL_RULES, expand_input_conv_weight


class PretrainedStemMixin:
    """Put before the ``nn.Module`` base class; call :meth:`_init_input_channels` in ``__init__``.

    A backbone declares only what differs:

    - ``stem_weight_keys``: state-dict keys, relative to the backbone, of the conv weights that read the
      input image (the only weights whose shape depends on ``in_channels``).
    - ``pretrained_module``: dotted name of the submodule that a Pretrained checkpoint describes ('' for
      the whole backbone), e.g. a wrapped timm encoder whose classification checkpoints lack our prefix.
    """

    stem_weight_keys: Sequence[str] = ()
    pretrained_module: str = ''

    def _init_input_channels(self, in_channels: int, extra_in_channels_init: str) -> None:
        if extra_in_channels_init not in EXTRA_CHANNEL_RULES:
            raise ValueError(f'extra_in_channels_init must be one of {EXTRA_CHANNEL_RULES}')
        self.in_channels = in_channels
        self.extra_in_channels_init = extra_in_channels_init

    def _widen_stem_weights(self, state_dict: dict, keys: Iterable[str]) -> None:
        for key in keys:
            if key in state_dict and state_dict[key].shape[1] != self.in_channels:
                state_dict[key] = expand_input_conv_weight(
                    state_dict[key], self.in_channels, self.extra_in_channels_init
                )

    def adapt_state_dict(self, state_dict: dict, prefix: str = '') -> None:
        """Widen a 3-channel stem weight in ``state_dict`` (in place) to this model's ``in_channels``."""
        self._widen_stem_weights(state_dict, [prefix + key for key in self.stem_weight_keys])

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Every load_state_dict (a segmentor checkpoint too) passes here with this module's prefix.
        self.adapt_state_dict(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def init_weights(self) -> None:
        if self.init_cfg is None or self.init_cfg.get('type') != 'Pretrained':
            super().init_weights()
            return
        target = self.get_submodule(self.pretrained_module)
        inner = self.pretrained_module + '.' if self.pretrained_module else ''
        # The checkpoint's keys are relative to ``target``, so are the stem keys to widen.
        keys = [key[len(inner) :] for key in self.stem_weight_keys if key.startswith(inner)]
        load_pretrained_backbone(
            target,
            self.init_cfg['checkpoint'],
            prefix=self.init_cfg.get('prefix'),
            adapt=partial(self._widen_stem_weights, keys=keys),
        )
        self._is_init = True  # what BaseModule.init_weights would record; a parent then skips this module
