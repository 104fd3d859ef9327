from .loading import LoadDressCodeKeypoints

__all__ = ['LoadDressCodeKeypoints']
