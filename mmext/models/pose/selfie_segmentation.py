# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""MediaPipe Selfie Segmentation as a person/background peer (mediapipe 0.10.14 ships its models)."""

import os

import numpy as np
from mmseg.registry import MODELS

from .mediapipe_runtime import import_mediapipe


@MODELS.register_module()
class MediaPipeSelfieSegmentation:
    """``mp.solutions.selfie_segmentation`` on single photos: person probability, mask = probability > 0.5.

    Args:
        model_selection: 0 = general model (256 x 256 input), 1 = landscape model (144 x 256).
        threshold: probability above which a pixel is person.
    """

    def __init__(self, model_selection: int = 0, threshold: float = 0.5):
        if model_selection not in (0, 1):
            raise ValueError(f'model_selection must be 0 or 1, got {model_selection}')
        self.model_selection = model_selection
        self.threshold = threshold
        self._segmenter = None

    def model_file(self) -> str:
        """The .tflite file of the selected model inside the mediapipe wheel."""
        mp = import_mediapipe()
        name = 'selfie_segmentation_landscape.tflite' if self.model_selection else 'selfie_segmentation.tflite'
        return os.path.join(os.path.dirname(mp.__file__), 'modules', 'selfie_segmentation', name)

    def probability(self, image: np.ndarray) -> np.ndarray:
        """RGB uint8 (H, W, 3) -> (H, W) float32 person probability at the photo's size."""
        if self._segmenter is None:
            mp = import_mediapipe()
            self._segmenter = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=self.model_selection)
        return self._segmenter.process(np.ascontiguousarray(image)).segmentation_mask

    def predict(self, image: np.ndarray) -> np.ndarray:
        """RGB uint8 (H, W, 3) -> (H, W) uint8 class map, 1 = person."""
        return (self.probability(image) > self.threshold).astype(np.uint8)

    def close(self) -> None:
        if self._segmenter is not None:
            self._segmenter.close()
            self._segmenter = None

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _segmenter=None)
