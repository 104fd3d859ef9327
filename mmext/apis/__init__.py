# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .inference import (
    SegmentationResult,
    build_inference_pipeline,
    inference_model,
    init_model,
    predictable_aux_heads,
    set_aux_predict,
)

__all__ = [
    'SegmentationResult',
    'build_inference_pipeline',
    'inference_model',
    'init_model',
    'predictable_aux_heads',
    'set_aux_predict',
]
