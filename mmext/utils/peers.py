# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Peers measured side by side with the project's models: the official TopFormer backbone and MediaPipe Selfie
Segmentation.

The official TopFormer code is not part of the package: the caller names the folder that holds its
``topformer.py`` (``source_dir``; the tools pass the copy they know of), or the environment variable
:data:`SOURCE_ENV` does. Its source is read and adapted to mmengine at run time, never copied.
"""

import os
import os.path as osp
import types
from typing import Optional, Sequence, Tuple

from torch import nn

PEER_NAMES = ('official_topformer', 'mediapipe_selfie')
# The folder of the official TopFormer code (hustvl/TopFormer's topformer.py) when no source_dir is passed.
SOURCE_ENV = 'MMEXT_OFFICIAL_TOPFORMER'


class PeerUnavailable(RuntimeError):
    """A peer cannot be built here; the message says why (a missing folder or package)."""


def official_source_dir(source_dir: Optional[str] = None) -> str:
    """``source_dir``, else the folder :data:`SOURCE_ENV` names.

    Raises:
        PeerUnavailable: neither is given.
    """
    source_dir = source_dir or os.environ.get(SOURCE_ENV)
    if not source_dir:
        raise PeerUnavailable(
            f'the official TopFormer is not available: no folder of its code was given (pass '
            f'source_dir, or set {SOURCE_ENV} to the folder holding its topformer.py)'
        )
    return source_dir


def _official_module(source_dir: Optional[str] = None) -> types.ModuleType:
    source_path = osp.join(official_source_dir(source_dir), 'topformer.py')
    if not osp.isfile(source_path):
        raise PeerUnavailable(f'the official TopFormer is not available: {source_path} is missing')
    with open(source_path) as f:
        source = f.read()
    # The official file targets mmcv 1.x / mmseg 0.x: point its imports at their mmengine equivalents.
    source = (
        source.replace('from mmcv.runner import BaseModule', 'from mmengine.model import BaseModule')
        .replace('from mmcv.runner import _load_checkpoint', 'from mmengine.runner.checkpoint import _load_checkpoint')
        .replace('from mmseg.utils import get_root_logger', 'get_root_logger = None')
        .replace('from ..builder import BACKBONES', 'BACKBONES = None')
    )
    source = '\n'.join(line for line in source.splitlines() if not line.strip().startswith('@BACKBONES.'))
    module = types.ModuleType('official_topformer')
    exec(compile(source, source_path, 'exec'), module.__dict__)
    return module


def official_topformer(
    arch: dict, decode_out_indices: Sequence[int] = (1, 2, 3), c2t_stride: int = 2, source_dir: Optional[str] = None
) -> nn.Module:
    """The official TopFormer backbone code (eval mode, BN rather than SyncBN) built with ``arch``, a settings
    dict in the keys of ``mmext.models.backbones.topformer.ARCH_SETTINGS`` (whose presets are the official
    settings files' values); ``source_dir``: see :func:`official_source_dir`."""
    return (
        _official_module(source_dir)
        .Topformer(
            cfgs=arch['layer_cfgs'],
            channels=arch['channels'],
            out_channels=arch['out_channels'],
            embed_out_indice=arch['embed_out_indices'],
            decode_out_indices=list(decode_out_indices),
            depths=4,
            num_heads=arch['num_heads'],
            c2t_stride=c2t_stride,
            norm_cfg=dict(type='BN', requires_grad=True),
        )
        .eval()
    )


def official_backbone_pair(ours: nn.Module, source_dir: Optional[str] = None) -> Tuple[nn.Module, nn.Module]:
    """(official, ours) TopFormer backbones with the same settings (a preset or a custom arch) and weights: ours'
    state dict loaded strictly into the official model. ``source_dir``: see :func:`official_source_dir`."""
    if not hasattr(ours, 'arch_settings'):
        raise PeerUnavailable('the official TopFormer peer needs a TopFormer backbone')
    official = official_topformer(ours.arch_settings, ours.decode_out_indices, ours.c2t_stride, source_dir)
    official.load_state_dict(ours.state_dict(), strict=True)
    return official, ours.eval()
