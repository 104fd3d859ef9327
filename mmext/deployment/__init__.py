# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Deployment paths of the segmentors: ONNX export, ONNX Runtime, INT8 quantization, faster eager PyTorch."""

from .eager import check_precision, count_batchnorms, fold_batchnorm, optimize_eager
from .onnx_export import compare_with_torch, export_onnx, simplify_onnx
from .ort_runner import OrtRunner

__all__ = [
    'OrtRunner',
    'check_precision',
    'compare_with_torch',
    'count_batchnorms',
    'export_onnx',
    'fold_batchnorm',
    'optimize_eager',
    'simplify_onnx',
]
