from .conv_upsample_head import ConvUpsampleHead, SERSegFormerHead
from .sernet_former_head import SERNetFormerHead
from .topformer_head import TopFormerHead

__all__ = ['ConvUpsampleHead', 'SERNetFormerHead', 'SERSegFormerHead', 'TopFormerHead']
