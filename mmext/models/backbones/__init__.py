# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .sernet_former import SERNetFormer
from .sersegformer import SERSegFormer
from .timm_encoder import TimmEncoder
from .topformer import TopFormer
from .u2net import U2Net

__all__ = ['SERNetFormer', 'SERSegFormer', 'TimmEncoder', 'TopFormer', 'U2Net']
