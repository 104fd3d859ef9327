from .multitask_encoder_decoder import MultiTaskEncoderDecoder

__all__ = ['MultiTaskEncoderDecoder']
