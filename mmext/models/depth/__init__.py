from .dpt import DPTDepth
from .midas_small import MiDaSSmall
from .providers import PROVIDERS, build_depth_provider

__all__ = ['DPTDepth', 'MiDaSSmall', 'PROVIDERS', 'build_depth_provider']
