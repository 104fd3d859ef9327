from .multi_channel import MultiChannelSegDataPreProcessor

__all__ = ['MultiChannelSegDataPreProcessor']
