from .sernet_former import SERNetFormer
from .sersegformer import SERSegFormer
from .topformer import TopFormer

__all__ = ['SERNetFormer', 'SERSegFormer', 'TopFormer']
