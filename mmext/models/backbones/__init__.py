from .sernet_former import SERNetFormer
from .sersegformer import SERSegFormer
from .topformer import TopFormer
from .u2net import U2Net

__all__ = ['SERNetFormer', 'SERSegFormer', 'TopFormer', 'U2Net']
