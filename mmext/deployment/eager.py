# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Faster eager PyTorch inference: BatchNorm folding, channels_last, reduced precision, torch.compile."""

import copy
from typing import Callable, Optional

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

PRECISIONS = {'fp32': torch.float32, 'fp16': torch.float16, 'bf16': torch.bfloat16}


def _foldable(conv: nn.Module, norm: nn.Module) -> bool:
    return (
        type(conv) is nn.Conv2d
        and type(norm) in (nn.BatchNorm2d, nn.SyncBatchNorm)
        and norm.track_running_stats
        and norm.running_mean is not None
    )


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """A copy of an eval-mode model with every Conv2d -> BatchNorm pair folded into one biased Conv2d.

    Handles the two layouts mmseg models use: consecutive children of an ``nn.Sequential`` (e.g.
    TopFormer's ``ConvBN``) and mmcv's ``ConvModule`` with a conv before its norm. The BatchNorm becomes an
    ``nn.Identity``, so module names (and the rest of the model) stay as they were. Only valid for
    inference: the folded conv uses the running statistics.
    """
    if model.training:
        raise ValueError('fold_batchnorm needs an eval-mode model (folding uses the running statistics)')
    model = copy.deepcopy(model)
    for module in list(model.modules()):
        if isinstance(module, nn.Sequential):
            names = [name for name, _ in module.named_children()]
            for first, second in zip(names, names[1:]):
                conv, norm = getattr(module, first), getattr(module, second)
                if _foldable(conv, norm):
                    setattr(module, first, fuse_conv_bn_eval(conv, norm))
                    setattr(module, second, nn.Identity())
        norm_name = getattr(module, 'norm_name', None)
        order = getattr(module, 'order', ())
        if norm_name and hasattr(module, 'conv') and tuple(order[:2]) == ('conv', 'norm'):
            conv, norm = module.conv, getattr(module, norm_name)
            if _foldable(conv, norm):
                module.conv = fuse_conv_bn_eval(conv, norm)
                setattr(module, norm_name, nn.Identity())
    return model


def count_batchnorms(model: nn.Module) -> int:
    return sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def check_precision(precision: str, device: str) -> torch.dtype:
    """The dtype of ``precision``; fp16 on the CPU is refused (slow or unsupported kernels there)."""
    if precision not in PRECISIONS:
        raise ValueError(f'unknown precision {precision!r}; choose one of {sorted(PRECISIONS)}')
    if precision == 'fp16' and not device.startswith('cuda'):
        raise ValueError(
            'fp16 inference needs a CUDA device (CPU kernels for float16 convolutions are missing or '
            'slow); on the CPU use bf16 or fp32'
        )
    return PRECISIONS[precision]


def optimize_eager(
    model: nn.Module,
    device: str = 'cpu',
    fuse_bn: bool = False,
    channels_last: bool = False,
    precision: str = 'fp32',
    compile_mode: Optional[str] = None,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Wrap an eval-mode tensor->logits module into a callable with the chosen optimisations.

    Inputs are cast and laid out to match (the callable takes a float32 NCHW tensor on ``device``) and
    logits come back as float32, so every variant is a drop-in replacement of the plain model.
    ``compile_mode`` is a ``torch.compile`` mode ('default', 'reduce-overhead', 'max-autotune') or None.
    """
    dtype = check_precision(precision, device)
    if fuse_bn:
        model = fold_batchnorm(model)
    model = model.to(device=device, dtype=dtype)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    runnable = torch.compile(model, mode=compile_mode) if compile_mode else model

    @torch.no_grad()
    def run(x: torch.Tensor) -> torch.Tensor:
        return runnable(x.to(device=device, dtype=dtype, memory_format=memory_format)).float()

    return run
