from .topformer import TopFormer

__all__ = ['TopFormer']
