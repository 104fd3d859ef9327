# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Scale-and-shift-invariant depth losses, as MiDaS trains on relative inverse depth.

Ranftl et al., "Towards Robust Monocular Depth Estimation: Mixing Datasets for Zero-shot Cross-dataset
Transfer", TPAMI 2022: the prediction is aligned to the target by a per-image scale and shift before the
error is measured, so only the relative structure is supervised; a multi-scale gradient-matching term
sharpens discontinuities.
"""

from typing import Tuple

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor


def align_scale_shift(pred: Tensor, target: Tensor, mask: Tensor) -> Tuple[Tensor, Tensor]:
    """Per-image least-squares scale and shift with ``scale * pred + shift ~ target`` on ``mask``.

    All inputs (N, H, W); returns scale and shift of shape (N,). Degenerate images (constant
    prediction or empty mask) get scale 0 and the target's mean as shift.
    """
    m = mask.float()
    a00 = (m * pred * pred).sum((1, 2))
    a01 = (m * pred).sum((1, 2))
    a11 = m.sum((1, 2))
    b0 = (m * pred * target).sum((1, 2))
    b1 = (m * target).sum((1, 2))
    det = a00 * a11 - a01 * a01
    ok = det.abs() > 1e-8
    safe_det = torch.where(ok, det, torch.ones_like(det))
    scale = torch.where(ok, (a11 * b0 - a01 * b1) / safe_det, torch.zeros_like(det))
    shift = torch.where(ok, (a00 * b1 - a01 * b0) / safe_det, b1 / a11.clamp(min=1))
    return scale, shift


def _normalise_median_mad(x: Tensor, mask: Tensor) -> Tensor:
    """(x - median) / mean absolute deviation, per image over ``mask`` (MiDaS's 'ssitrim' alignment)."""
    out = torch.zeros_like(x)
    for i in range(x.shape[0]):
        values = x[i][mask[i]]
        if values.numel() == 0:
            continue
        median = values.median()
        mad = (values - median).abs().mean().clamp(min=1e-6)
        out[i] = (x[i] - median) / mad
    return out


def gradient_matching_loss(residual: Tensor, mask: Tensor, scales: int = 4) -> Tensor:
    """Sum over ``scales`` of the L1 norm of the residual's gradients (on valid pixel pairs)."""
    total = residual.new_zeros(())
    for scale in range(scales):
        step = 2**scale
        r = residual[:, ::step, ::step]
        m = mask[:, ::step, ::step].float()
        grad_x = (r[:, :, 1:] - r[:, :, :-1]).abs() * m[:, :, 1:] * m[:, :, :-1]
        grad_y = (r[:, 1:] - r[:, :-1]).abs() * m[:, 1:] * m[:, :-1]
        total = total + (grad_x.sum() + grad_y.sum()) / m.sum().clamp(min=1)
    return total


@MODELS.register_module()
class ScaleShiftInvariantLoss(nn.Module):
    """Scale-and-shift-invariant loss on relative (inverse) depth.

    Args:
        mode: 'ssimse' -- least-squares alignment, then mean squared error / 2; 'ssitrim' -- median / mean
            absolute deviation normalisation of prediction and target, then the mean absolute error of
            all but the ``trim`` largest residuals of each image (trimmed per image, as MiDaS does).
        trim: fraction of each image's largest residuals dropped by 'ssitrim'.
        gradient_weight: weight of the multi-scale gradient-matching term (0 disables it).
        gradient_scales: number of scales of that term.
        loss_weight: overall weight.
    """

    def __init__(
        self,
        mode: str = 'ssimse',
        trim: float = 0.2,
        gradient_weight: float = 0.5,
        gradient_scales: int = 4,
        loss_weight: float = 1.0,
    ):
        super().__init__()
        if mode not in ('ssimse', 'ssitrim'):
            raise ValueError(f"mode must be 'ssimse' or 'ssitrim', got {mode!r}")
        self.mode = mode
        self.trim = trim
        self.gradient_weight = gradient_weight
        self.gradient_scales = gradient_scales
        self.loss_weight = loss_weight

    def forward(self, pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
        """pred, target, mask: (N, H, W) or (N, 1, H, W)."""
        if pred.dim() == 4:
            pred, target, mask = pred[:, 0], target[:, 0], mask[:, 0]
        mask = mask.bool()
        valid = mask.sum().clamp(min=1)
        if self.mode == 'ssimse':
            scale, shift = align_scale_shift(pred, target, mask)
            aligned = scale[:, None, None] * pred + shift[:, None, None]
            residual = aligned - target
            loss = (residual**2 * mask).sum() / (2 * valid)
        else:
            residual = _normalise_median_mad(pred, mask) - _normalise_median_mad(target, mask)
            kept = []
            for errors in (r.abs()[m] for r, m in zip(residual, mask)):
                if errors.numel():
                    kept.append(torch.sort(errors)[0][: max(1, int(round(errors.numel() * (1 - self.trim))))])
            loss = torch.cat(kept).mean() if kept else pred.sum() * 0
        if self.gradient_weight > 0:
            loss = loss + self.gradient_weight * gradient_matching_loss(residual, mask, self.gradient_scales)
        return self.loss_weight * loss
