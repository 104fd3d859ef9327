from .skip_nonfinite_optim_wrapper import SkipNonFiniteOptimWrapper, finite_on_all_ranks

__all__ = ['SkipNonFiniteOptimWrapper', 'finite_on_all_ranks']
