# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
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
        tensors = OrderedDict((k[len('module.') :], v) for k, v in tensors.items())
    return tensors


def load_checkpoint_file(path: str, what: str = 'checkpoint') -> dict:
    """``torch.load`` a local file on the CPU; a missing file raises FileNotFoundError naming it."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{what} not found: {path}. Weights are never downloaded at run time: get the official file '
            'and pass its local path (see the README section "Pretrained weights").'
        )
    return torch.load(path, map_location='cpu')


def load_pretrained_backbone(
    module: nn.Module,
    checkpoint: str,
    prefix: Optional[str] = None,
    min_matched: float = 0.5,
    adapt: Optional[Callable[[dict], None]] = None,
) -> None:
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
        state = OrderedDict((k[len(prefix) :], v) for k, v in state.items() if k.startswith(prefix))
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
            'Is it the right checkpoint for this architecture?'
        )
    module.load_state_dict(matched, strict=False)
    print_log(
        f'Loaded {len(matched)}/{len(own)} tensors of {name} from {checkpoint}'
        + (f'; shape mismatch (kept initialised): {mismatched}' if mismatched else '')
        + (f'; missing: {missing}' if missing else '')
        + (f'; unused: {len(unexpected)} tensors' if unexpected else ''),
        logger='current',
    )


class CheckpointMismatchError(ValueError):
    """A checkpoint that does not fit the model it is loaded into (keys or shapes differ)."""


def load_checkpoint_strictly(model: nn.Module, path: str, config: str = 'the config') -> dict:
    """Load every tensor of a training checkpoint into ``model``; the checkpoint dict is returned (its
    ``meta`` holds e.g. the class names).

    The one loader of the inference and evaluation tools: a checkpoint that does not fit its config would
    otherwise evaluate partly random weights. On a mismatch the error says what differs in a few lines --
    for a classifier whose shape differs, the class counts -- and the full key lists go to the log.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointMismatchError: missing, unexpected or differently shaped tensors.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist (train one with tools/train.py)')
    checkpoint = torch.load(path, map_location='cpu')
    state = extract_state_dict(checkpoint, path)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    reshaped = [
        (k, tuple(state[k].shape), tuple(own[k].shape)) for k in own if k in state and state[k].shape != own[k].shape
    ]
    if missing or unexpected or reshaped:
        print_log(
            f'{path} vs the model of {config}:\n  missing: {missing}\n  unexpected: {unexpected}\n'
            f'  shapes (checkpoint, model): {reshaped}',
            logger='current',
        )
        raise CheckpointMismatchError(_mismatch_message(path, config, missing, unexpected, reshaped))
    model.load_state_dict(state, strict=True)
    return checkpoint if isinstance(checkpoint, dict) else {}


def _mismatch_message(path: str, config: str, missing, unexpected, reshaped) -> str:
    lines = [f'checkpoint {path} does not fit the model of {config}:']
    classifiers = [(k, ckpt, ours) for k, ckpt, ours in reshaped if k.endswith(('conv_seg.weight', 'cls_seg.weight'))]
    if classifiers:
        key, ckpt, ours = classifiers[0]
        lines.append(
            f'  it was trained for {ckpt[0]} classes, the config has {ours[0]} ({key}): use the config the '
            'checkpoint was trained with, or set num_classes accordingly'
        )
    if reshaped:
        key, ckpt, ours = reshaped[0]
        lines.append(f'  {len(reshaped)} tensors differ in shape, e.g. {key}: checkpoint {ckpt}, model {ours}')
    if missing:
        lines.append(f'  {len(missing)} model tensors are not in the checkpoint, e.g. {", ".join(missing[:3])}')
    if unexpected:
        lines.append(f'  {len(unexpected)} checkpoint tensors are not in the model, e.g. {", ".join(unexpected[:3])}')
    lines.append('  (the full key lists are in the log)')
    return '\n'.join(lines)
