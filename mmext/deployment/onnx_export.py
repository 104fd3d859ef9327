# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Export a segmentor's inference path to ONNX, check it against PyTorch in ONNX Runtime, simplify it."""

import copy
import os
import os.path as osp
import warnings
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

from ..utils.benchmarking import TensorMode

INPUT_NAME, OUTPUT_NAME = 'input', 'logits'


def export_onnx(segmentor: nn.Module, path: str, shape: Sequence[int], dynamic: bool = False, opset: int = 17) -> str:
    """Write the segmentation path (``mode='tensor'``: image batch -> decode-head logits) to ``path``.

    Auxiliary task heads are not part of ``mode='tensor'``, so a multi-task model exports exactly its
    segmentation model. ``shape`` is (N, C, H, W) of the example input; with ``dynamic`` the batch, height
    and width axes are symbolic. Uses the TorchScript exporter (``dynamo=False``): it handles mmseg's
    Python-side shape arithmetic and ``adaptive_avg_pool2d`` by tracing, where the dynamo exporter of
    torch 2.13 needs every data-dependent size expressed symbolically.
    """
    module = TensorMode(segmentor).eval()
    example = torch.randn(*shape)
    dynamic_axes = None
    if dynamic:
        dynamic_axes = {
            INPUT_NAME: {0: 'batch', 2: 'height', 3: 'width'},
            OUTPUT_NAME: {0: 'batch', 2: 'logit_height', 3: 'logit_width'},
        }
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        # Tracer warnings about Python ints from tensor shapes: expected, the shapes are checked by ``verify``.
        warnings.simplefilter('ignore')
        torch.onnx.export(
            module,
            (example,),
            path,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            dynamo=False,
        )
    return path


def simplify_onnx(path: str, out: Optional[str] = None) -> str:
    """Constant folding and graph clean-up by onnxslim (shape-preserving rewrites only), checked by onnx."""
    import onnx
    import onnxslim

    model = onnxslim.slim(onnx.load(path))
    onnx.checker.check_model(model)
    out = out or path
    onnx.save(model, out)
    return out


def compare_with_torch(path: str, segmentor: nn.Module, x: torch.Tensor, threads: Optional[int] = None) -> dict:
    """How far ONNX Runtime's logits of ``x`` are from PyTorch's, and from exact (float64) arithmetic.

    Returns ``max_abs_diff`` (|ORT - PyTorch fp32|), ``ort_vs_fp64`` and ``torch_vs_fp64`` (each float32
    result against the same model run in float64) and ``max_abs_logit``. Float32 rounding grows with the
    logits' magnitude: where they reach hundreds (e.g. TopFormer-B's 150 ADE20K classes) two correct float32
    implementations differ by a few 1e-3; the float64 reference tells rounding from a wrong graph.
    """
    from .ort_runner import OrtRunner

    with torch.no_grad():
        expected = TensorMode(segmentor).eval()(x).numpy()
        exact = TensorMode(copy.deepcopy(segmentor).double()).eval()(x.double()).numpy()
    got = OrtRunner(path, threads=threads)(x.numpy())
    if got.shape != expected.shape:
        raise ValueError(f'{path}: ONNX Runtime output shape {got.shape} != PyTorch {expected.shape}')
    classes = exact.argmax(1)
    return dict(
        max_abs_diff=float(np.abs(got - expected).max()),
        ort_vs_fp64=float(np.abs(got - exact).max()),
        torch_vs_fp64=float(np.abs(expected - exact).max()),
        max_abs_logit=float(np.abs(exact).max()),
        ort_class_agreement=float((got.argmax(1) == classes).mean()),
        torch_class_agreement=float((expected.argmax(1) == classes).mean()),
    )
