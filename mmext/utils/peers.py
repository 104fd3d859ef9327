"""Peers measured side by side with the project's models: the official TopFormer backbone (read at run time
from ../shared/peers, never copied into the project) and MediaPipe Selfie Segmentation."""
import os
import os.path as osp
import types
from typing import Sequence, Tuple

from torch import nn

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHARED = os.environ.get('MMEXT_SHARED', osp.join(osp.dirname(REPO), 'shared'))
OFFICIAL_TOPFORMER = osp.join(SHARED, 'peers', 'hustvl_topformer')
PEER_NAMES = ('official_topformer', 'mediapipe_selfie')


class PeerUnavailable(RuntimeError):
    """A peer cannot be built here; the message says why (a missing folder or package)."""


def _official_module() -> types.ModuleType:
    source_path = osp.join(OFFICIAL_TOPFORMER, 'topformer.py')
    if not osp.isfile(source_path):
        raise PeerUnavailable(f'the official TopFormer is not available: {source_path} is missing (it lives in '
                              '../shared/peers, beside the repository)')
    with open(source_path) as f:
        source = f.read()
    # The official file targets mmcv 1.x / mmseg 0.x: point its imports at their mmengine equivalents.
    source = (source.replace('from mmcv.runner import BaseModule', 'from mmengine.model import BaseModule')
              .replace('from mmcv.runner import _load_checkpoint',
                       'from mmengine.runner.checkpoint import _load_checkpoint')
              .replace('from mmseg.utils import get_root_logger', 'get_root_logger = None')
              .replace('from ..builder import BACKBONES', 'BACKBONES = None'))
    source = '\n'.join(line for line in source.splitlines() if not line.strip().startswith('@BACKBONES.'))
    module = types.ModuleType('official_topformer')
    exec(compile(source, source_path, 'exec'), module.__dict__)
    return module


def official_topformer(arch: dict, decode_out_indices: Sequence[int] = (1, 2, 3), c2t_stride: int = 2) -> nn.Module:
    """The official TopFormer backbone code (eval mode, BN rather than SyncBN) built with ``arch``, a settings
    dict in the keys of ``mmext.models.backbones.topformer.ARCH_SETTINGS`` (whose presets are the official
    settings files' values)."""
    return _official_module().Topformer(
        cfgs=arch['layer_cfgs'], channels=arch['channels'], out_channels=arch['out_channels'],
        embed_out_indice=arch['embed_out_indices'], decode_out_indices=list(decode_out_indices), depths=4,
        num_heads=arch['num_heads'], c2t_stride=c2t_stride, norm_cfg=dict(type='BN', requires_grad=True)).eval()


def official_backbone_pair(ours: nn.Module) -> Tuple[nn.Module, nn.Module]:
    """(official, ours) TopFormer backbones with the same settings (a preset or a custom arch) and weights: ours'
    state dict loaded strictly into the official model."""
    if not hasattr(ours, 'arch_settings'):
        raise PeerUnavailable('the official TopFormer peer needs a TopFormer backbone')
    official = official_topformer(ours.arch_settings, ours.decode_out_indices, ours.c2t_stride)
    official.load_state_dict(ours.state_dict(), strict=True)
    return official, ours.eval()
