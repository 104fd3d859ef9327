# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Photo in, class map out: a deployed segmentor as a user calls it, pre- and post-processing included.

The model runs in ONNX Runtime (fp32 or INT8 .onnx from tools/deployment/) or as any logits callable;
pre-processing is the config's test pipeline for one photo (resize to the test scale with the aspect kept,
BGR -> RGB, mean/std); post-processing resizes the logits to the photo bilinearly and takes the argmax.
This is what ``tools/analysis_tools/peer_eval.py`` and ``benchmark.py --peer`` time against MediaPipe, whose
``process`` likewise takes the photo and returns a mask at its size.
"""

from typing import Callable, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import Config

from .ort_runner import OrtRunner


def test_resize(cfg: Config) -> Tuple[Tuple[int, int], bool]:
    """``scale`` and ``keep_ratio`` of the test pipeline's ``Resize`` (or ``DepthAwareResize``)."""
    from mmext.datasets.transforms.geometry import RESIZE_TYPES

    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] in RESIZE_TYPES:
            return tuple(step['scale']), bool(step.get('keep_ratio', False))
    raise ValueError('the config\'s test pipeline has no Resize step')


def input_size(photo_hw: Tuple[int, int], scale: Sequence[int], keep_ratio: bool = True) -> Tuple[int, int]:
    """(H, W) of the network input for a photo, as mmcv's ``Resize``: with ``keep_ratio`` the photo is fitted
    into (long, short) edges ``scale``; without, ``scale`` is the (W, H) size itself."""
    if not keep_ratio:
        return int(scale[1]), int(scale[0])
    height, width = photo_hw
    factor = min(max(scale) / max(height, width), min(scale) / min(height, width))
    return int(height * factor + 0.5), int(width * factor + 0.5)


class PhotoSegmenter:
    """``segmenter(bgr_photo)`` -> (H, W) uint8 class map at the photo's size.

    Args:
        logits: callable on a (1, 3, h, w) float32 array returning (1, C, h', w') logits.
        scale, keep_ratio: the config's test ``Resize``: (long, short) edges the photo is fitted into, or with
            ``keep_ratio=False`` the (W, H) input size.
        mean, std: per-channel normalisation of the RGB input (the data preprocessor's).
    """

    def __init__(
        self,
        logits: Callable[[np.ndarray], np.ndarray],
        scale: Sequence[int],
        mean: Sequence[float],
        std: Sequence[float],
        keep_ratio: bool = True,
    ):
        self.logits = logits
        self.scale = tuple(scale)
        self.keep_ratio = keep_ratio
        self.mean = np.asarray(mean, np.float32)[:3]
        self.std = np.asarray(std, np.float32)[:3]

    @classmethod
    def from_config(cls, cfg: Config, logits: Callable[[np.ndarray], np.ndarray]) -> 'PhotoSegmenter':
        """``logits`` behind the config's test resize and its data preprocessor's normalisation."""
        preprocessor = cfg.model.data_preprocessor
        scale, keep_ratio = test_resize(cfg)
        return cls(logits, scale, preprocessor.mean, preprocessor.std, keep_ratio)

    @classmethod
    def from_onnx(cls, cfg: Config, onnx_path: str, threads: Optional[int] = None) -> 'PhotoSegmenter':
        return cls.from_config(cfg, OrtRunner(onnx_path, threads=threads))

    def preprocess(self, bgr: np.ndarray) -> np.ndarray:
        height, width = input_size(bgr.shape[:2], self.scale, self.keep_ratio)
        rgb = cv2.cvtColor(cv2.resize(bgr, (width, height), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
        return ((rgb.astype(np.float32) - self.mean) / self.std).transpose(2, 0, 1)[None]

    def __call__(self, bgr: np.ndarray) -> np.ndarray:
        logits = np.asarray(self.logits(self.preprocess(bgr)))[0]  # (C, h, w)
        size = (bgr.shape[1], bgr.shape[0])
        if logits.shape[0] == 2:  # argmax of two resized maps = sign of the resized difference, one resize
            return (cv2.resize(logits[1] - logits[0], size, interpolation=cv2.INTER_LINEAR) > 0).astype(np.uint8)
        resized = cv2.resize(logits.transpose(1, 2, 0), size, interpolation=cv2.INTER_LINEAR)
        return resized.reshape(size[1], size[0], -1).argmax(-1).astype(np.uint8)
