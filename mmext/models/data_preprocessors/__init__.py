# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .multi_channel import MultiChannelSegDataPreProcessor

__all__ = ['MultiChannelSegDataPreProcessor']
