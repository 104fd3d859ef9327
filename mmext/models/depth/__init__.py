# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .dpt import DPTDepth
from .midas_small import MiDaSSmall
from .providers import PROVIDERS, build_depth_provider

__all__ = ['DPTDepth', 'MiDaSSmall', 'PROVIDERS', 'build_depth_provider']
