"""Peers measured side by side with the project's models: the official TopFormer backbone (read at run time
from ../shared/peers, never copied into the project) and MediaPipe Selfie Segmentation."""
import os
import os.path as osp
import types
from typing import Tuple

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


def official_topformer(arch: str) -> nn.Module:
    """The official TopFormer backbone of ``arch`` ('tiny', 'small', 'base'), eval mode, BN (not SyncBN)."""
    settings_path = osp.join(OFFICIAL_TOPFORMER, f'topformer_{arch}.py')
    if not osp.isfile(settings_path):
        raise PeerUnavailable(f'the official TopFormer-{arch} settings are not available: {settings_path} is missing')
    namespace: dict = {}
    with open(settings_path) as f:
        exec(f.read(), {'dict': dict}, namespace)
    cfg = namespace['model_cfgs']
    return _official_module().Topformer(
        cfgs=cfg['cfg'], channels=cfg['channels'], out_channels=cfg['out_channels'],
        embed_out_indice=cfg['embed_out_indice'], decode_out_indices=cfg['decode_out_indices'], depths=4,
        num_heads=cfg['num_heads'], c2t_stride=cfg['c2t_stride'], norm_cfg=dict(type='BN', requires_grad=True)).eval()


def official_backbone_pair(ours: nn.Module) -> Tuple[nn.Module, nn.Module]:
    """(official, ours) TopFormer backbones with the same weights: ours' state dict loaded strictly into the
    official model of the same preset."""
    arch = getattr(ours, 'arch_name', None)
    if arch not in ('tiny', 'small', 'base'):
        raise PeerUnavailable('the official TopFormer peer needs a TopFormer backbone with a preset arch '
                              "('tiny', 'small' or 'base')")
    official = official_topformer(arch)
    official.load_state_dict(ours.state_dict(), strict=True)
    return official, ours.eval()
