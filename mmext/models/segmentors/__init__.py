from .multitask_encoder_decoder import MultiTaskEncoderDecoder
from .postprocess import PostProcessEncoderDecoder, PostProcessMixin

__all__ = ['MultiTaskEncoderDecoder']
__all__ += ['PostProcessEncoderDecoder', 'PostProcessMixin']
