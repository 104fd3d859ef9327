from .abg import AbG, AbM, ConvBNAbG
from .afn import AfN
from .dam import DAM
from .dbn import DbN

__all__ = ['AbG', 'AbM', 'AfN', 'ConvBNAbG', 'DAM', 'DbN']
