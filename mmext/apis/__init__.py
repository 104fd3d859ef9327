from .inference import SegmentationResult, build_inference_pipeline, inference_model, init_model

__all__ = ['SegmentationResult', 'build_inference_pipeline', 'inference_model', 'init_model']
