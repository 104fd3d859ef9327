# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""An ONNX Runtime session as a callable on arrays, with the thread count and optimisation level set."""

from typing import Optional, Sequence, Union

import numpy as np
import torch


class OrtRunner:
    """``OrtRunner(path)(x)``: logits of the model's single input ``x`` (numpy or torch, float32).

    Args:
        path: the .onnx file.
        threads: intra-op threads (default: torch's thread count, so PyTorch and ORT get the same cores).
        optimization: ORT graph optimisation level 'all', 'extended', 'basic' or 'disable'.
        providers: ONNX Runtime execution providers in order of preference, e.g. ``('TensorrtExecutionProvider',
            'CUDAExecutionProvider', 'CPUExecutionProvider')`` with onnxruntime-gpu installed. Default: the CPU.
    """

    LEVELS = ('disable', 'basic', 'extended', 'all')

    def __init__(
        self,
        path: str,
        threads: Optional[int] = None,
        optimization: str = 'all',
        providers: Sequence[str] = ('CPUExecutionProvider',),
    ):
        import onnxruntime as ort

        if optimization not in self.LEVELS:
            raise ValueError(f'unknown optimization level {optimization!r}; choose one of {self.LEVELS}')
        available = ort.get_available_providers()
        missing = [p for p in providers if p not in available]
        if missing:
            raise ValueError(
                f'ONNX Runtime execution provider(s) {missing} are not available in this onnxruntime '
                f'({ort.__version__}: {available}); CUDA / TensorRT need the onnxruntime-gpu package'
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        # Idle pool threads would otherwise spin for a while after each run and steal the cores of whatever
        # runs next -- in interleaved timing, the next candidate.
        options.add_session_config_entry('session.intra_op.allow_spinning', '0')
        options.graph_optimization_level = {
            'disable': ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
            'basic': ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            'extended': ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            'all': ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        }[optimization]
        self.path = path
        self.session = ort.InferenceSession(path, options, providers=list(providers))
        self.providers = self.session.get_providers()
        self.input_name = self.session.get_inputs()[0].name
        self.input_shape = self.session.get_inputs()[0].shape  # ints, or names for dynamic axes

    def __call__(self, x: Union[np.ndarray, torch.Tensor]) -> np.ndarray:
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().numpy()
        return self.session.run(None, {self.input_name: np.ascontiguousarray(x, dtype=np.float32)})[0]
