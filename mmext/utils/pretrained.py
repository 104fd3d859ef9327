"""Loading pretrained weights from local files, with loud failures instead of silent partial loads."""
import os.path as osp
from collections import OrderedDict
from typing import Callable, Dict, Optional

import torch
from mmengine.logging import print_log
from torch import nn

# Where checkpoints keep their weights, in order of preference.
_STATE_DICT_KEYS = ('state_dict', 'model', 'module', 'state_dict_ema', 'model_ema')


def extract_state_dict(checkpoint: dict, source: str = 'checkpoint') -> Dict[str, torch.Tensor]:
    """Return the parameter dict of a checkpoint, without a DataParallel ``module.`` prefix."""
    if not isinstance(checkpoint, dict):
        raise TypeError(f'{source}: expected a dict, got {type(checkpoint).__name__}')
    state = checkpoint
    for key in _STATE_DICT_KEYS:
        if isinstance(checkpoint.get(key), dict):
            state = checkpoint[key]
            break
    tensors = OrderedDict((k, v) for k, v in state.items() if isinstance(v, torch.Tensor))
    if not tensors:
        raise ValueError(f'{source}: no tensors found (looked under {_STATE_DICT_KEYS} and the top level)')
    if all(k.startswith('module.') for k in tensors):
        tensors = OrderedDict((k[len('module.'):], v) for k, v in tensors.items())
    return tensors


def load_checkpoint_file(path: str, what: str = 'checkpoint') -> dict:
    """``torch.load`` a local file on the CPU; a missing file raises FileNotFoundError naming it."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{what} not found: {path}. Weights are never downloaded at run time: get the official file '
            'and pass its local path (see the README section "Pretrained weights").')
    return torch.load(path, map_location='cpu')


def load_pretrained_backbone(module: nn.Module,
                             checkpoint: str,
                             prefix: Optional[str] = None,
                             min_matched: float = 0.5,
                             adapt: Optional[Callable[[dict], None]] = None) -> None:
    """Load a backbone's weights from a classification or segmentor checkpoint.

    Args:
        module: the backbone.
        checkpoint: local path.
        prefix: keep only keys under this prefix (stripped). When None and no key matches the module
            directly, a ``backbone.`` prefix (segmentor checkpoints) is detected and stripped.
        min_matched: fail when fewer than this fraction of the module's tensors are found with the
            right shape -- the usual sign of a wrong file or prefix, which a non-strict load would
            otherwise hide.
        adapt: edits the state dict in place before matching (e.g. widens an RGB stem to extra input
            channels); defaults to the module's own ``adapt_state_dict`` when it has one.
    """
    name = type(module).__name__
    state = extract_state_dict(load_checkpoint_file(checkpoint, f'Pretrained {name} checkpoint'), checkpoint)
    own = module.state_dict()
    if prefix is None and not any(k in own for k in state):
        prefix = 'backbone.'
    if prefix:
        state = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
    adapt = adapt or getattr(module, 'adapt_state_dict', None)
    if adapt is not None:
        adapt(state)

    matched = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    mismatched = [k for k, v in state.items() if k in own and v.shape != own[k].shape]
    missing = [k for k in own if k not in matched]
    unexpected = [k for k in state if k not in own]
    if len(matched) < min_matched * len(own):
        raise ValueError(
            f'{checkpoint} fits only {len(matched)} of {len(own)} tensors of {name} '
            f'(prefix={prefix!r}); first missing: {missing[:3]}, first unexpected: {unexpected[:3]}. '
            'Is it the right checkpoint for this architecture?')
    module.load_state_dict(matched, strict=False)
    print_log(
        f'Loaded {len(matched)}/{len(own)} tensors of {name} from {checkpoint}'
        + (f'; shape mismatch (kept initialised): {mismatched}' if mismatched else '')
        + (f'; missing: {missing}' if missing else '')
        + (f'; unused: {len(unexpected)} tensors' if unexpected else ''),
        logger='current')
