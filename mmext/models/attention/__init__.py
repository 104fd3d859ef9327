# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .abg import AbG, AbM, ConvBNAbG
from .afn import AfN
from .dam import DAM
from .dbn import DbN

__all__ = ['AbG', 'AbM', 'AfN', 'ConvBNAbG', 'DAM', 'DbN']
