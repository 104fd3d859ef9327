from .topformer_head import TopFormerHead

__all__ = ['TopFormerHead']
