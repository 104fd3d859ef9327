# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper
from .skip_nonfinite_optim_wrapper import SkipNonFiniteOptimWrapper, finite_on_all_ranks

__all__ = ['CPUAutocastOptimWrapper', 'SkipNonFiniteOptimWrapper', 'finite_on_all_ranks']
