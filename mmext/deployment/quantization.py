# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Post-training static INT8 quantization of an ONNX model for ONNX Runtime, calibrated on real images."""

import os
import os.path as osp
import tempfile
from typing import Iterable, List, Optional, Sequence

import numpy as np
import torch

FORMATS = ('qdq', 'qoperator')
CALIBRATION_METHODS = ('minmax', 'entropy', 'percentile')


class TensorCalibrationReader:
    """onnxruntime ``CalibrationDataReader`` over already prepared input tensors."""

    def __init__(self, input_name: str, inputs: Iterable[torch.Tensor]):
        self.feeds: List[dict] = [{input_name: np.ascontiguousarray(x.numpy(), dtype=np.float32)} for x in inputs]
        self.position = 0

    def get_next(self) -> Optional[dict]:
        if self.position >= len(self.feeds):
            return None
        self.position += 1
        return self.feeds[self.position - 1]

    def rewind(self) -> None:
        self.position = 0


def quantize_int8(
    fp32_path: str,
    out_path: str,
    calibration_inputs: Sequence[torch.Tensor],
    fmt: str = 'qdq',
    per_channel: bool = True,
    method: str = 'minmax',
    op_types: Optional[Sequence[str]] = None,
) -> str:
    """Quantize ``fp32_path`` to INT8 with activation ranges calibrated on ``calibration_inputs``.

    Weights signed int8 (per output channel with ``per_channel``), activations unsigned uint8 -- the
    U8S8 combination ONNX Runtime's x86 kernels (VNNI) are built for. ``fmt``: 'qdq' keeps float ops
    between QuantizeLinear/DequantizeLinear pairs and lets ORT fuse them into integer kernels; 'qoperator'
    writes integer operators (QLinearConv, ...) directly. The model first goes through ORT's quantization
    pre-processing (shape inference, graph optimisation), as its documentation recommends.
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quant_pre_process, quantize_static

    if fmt not in FORMATS:
        raise ValueError(f'unknown quantization format {fmt!r}; choose one of {FORMATS}')
    if method not in CALIBRATION_METHODS:
        raise ValueError(f'unknown calibration method {method!r}; choose one of {CALIBRATION_METHODS}')
    if not calibration_inputs:
        raise ValueError('no calibration inputs: static quantization needs images to calibrate on')
    import onnx

    input_name = onnx.load(fp32_path, load_external_data=False).graph.input[0].name
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = osp.join(tmp, 'prepared.onnx')
        quant_pre_process(fp32_path, prepared, skip_symbolic_shape=True)
        quantize_static(
            prepared,
            out_path,
            TensorCalibrationReader(input_name, calibration_inputs),
            quant_format=QuantFormat.QDQ if fmt == 'qdq' else QuantFormat.QOperator,
            op_types_to_quantize=list(op_types) if op_types else None,
            per_channel=per_channel,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method={
                'minmax': CalibrationMethod.MinMax,
                'entropy': CalibrationMethod.Entropy,
                'percentile': CalibrationMethod.Percentile,
            }[method],
        )
    return out_path
