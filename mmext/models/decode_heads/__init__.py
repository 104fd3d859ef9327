# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .conv_upsample_head import ConvUpsampleHead, SERSegFormerHead
from .sernet_former_head import SERNetFormerHead
from .topformer_head import TopFormerHead
from .u2net_head import U2NetHead

__all__ = ['ConvUpsampleHead', 'SERNetFormerHead', 'SERSegFormerHead', 'TopFormerHead', 'U2NetHead']
