# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Depth estimated on the fly, for photos without precomputed depth maps (new images, demos, cost checks)."""

from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import MODELS, TRANSFORMS

from .loading import put_depth_map


@TRANSFORMS.register_module()
class EstimateDepth(BaseTransform):
    """Run a depth provider on the loaded photo; the drop-in replacement of ``LoadDepthMap``.

    Adds ``gt_depth_map`` (H, W) float32 exactly as ``LoadDepthMap`` does for a precomputed map: relative inverse
    depth at the photo's size, min-max normalised per image, registered in ``seg_fields``. Run it right after
    ``LoadImageFromFile`` (BGR photo), before the geometric transforms.

    Args:
        provider: config of a depth provider, e.g. ``dict(type='MiDaSSmall', weights='midas_v21_small_256.pt')``.
        device: where the provider runs; built on first use (so in each data loader worker).
    """

    def __init__(self, provider: dict, device: str = 'cpu'):
        self.provider_cfg = dict(provider)
        self.device = device
        self._provider: Optional[object] = None

    def transform(self, results: dict) -> dict:
        if self._provider is None:
            self._provider = MODELS.build(self.provider_cfg).to(self.device).eval()
        rgb = cv2.cvtColor(results['img'], cv2.COLOR_BGR2RGB) if results['img'].ndim == 3 else None
        if rgb is None or rgb.dtype != np.uint8:
            raise ValueError(
                f'EstimateDepth needs the uint8 BGR photo of LoadImageFromFile, got '
                f'{results["img"].dtype} {results["img"].shape}'
            )
        depth = self._provider.estimate([rgb])[0]
        low, high = float(depth.min()), float(depth.max())
        put_depth_map(results, (depth - low) / (high - low) if high > low else np.zeros_like(depth))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(provider={self.provider_cfg}, device={self.device!r})'
