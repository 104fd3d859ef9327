# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .scale_shift_invariant import ScaleShiftInvariantLoss, align_scale_shift, gradient_matching_loss

__all__ = ['ScaleShiftInvariantLoss', 'align_scale_shift', 'gradient_matching_loss']
