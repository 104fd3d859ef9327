# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Mixed precision on the CPU: bfloat16 autocast around the forward pass and the losses."""

from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` (same arguments) whose ``optim_context`` runs the model under CPU bfloat16 autocast.

    bfloat16 keeps float32's exponent range, so no loss scaling is needed (unlike fp16's AmpOptimWrapper).
    Whether it is faster depends on the CPU and the model: ``tools/train.py --amp`` measures it before
    choosing it.
    """

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
            yield
