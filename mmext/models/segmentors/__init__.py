# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .multitask_encoder_decoder import MultiTaskEncoderDecoder
from .postprocess import PostProcessEncoderDecoder, PostProcessMixin

__all__ = ['MultiTaskEncoderDecoder']
__all__ += ['PostProcessEncoderDecoder', 'PostProcessMixin']
