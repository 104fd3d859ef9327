# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Write every test prediction as a label map PNG, for offline tools (``tools/test.py --out DIR``)."""

import os
import os.path as osp
from typing import Dict, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class SavePredictions(BaseMetric):
    """Saves ``<output_dir>/<photo name>.png``: the predicted class index of every pixel (uint8), at the photo's
    size -- mmseg's ``IoUMetric(output_dir=...)`` layout, which ``tools/analysis_tools/confusion_matrix.py``
    reads. Computes no metric.

    Args:
        output_dir: the folder (created if missing).
    """

    def __init__(self, output_dir: str, collect_device: str = 'cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.output_dir = output_dir
        os.makedirs(output_dir, exist_ok=True)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            prediction = sample['pred_sem_seg']['data'].squeeze(0).cpu().numpy().astype(np.uint8)
            name = osp.splitext(osp.basename(sample['img_path']))[0] + '.png'
            cv2.imwrite(osp.join(self.output_dir, name), prediction)
        self.results.append(len(data_samples))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return {}
