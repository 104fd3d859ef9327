# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Gaussian keypoint heatmaps at a stride of the image, for images of any size."""

from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmpose.codecs import MSRAHeatmap
from mmpose.registry import KEYPOINT_CODECS

from .strided_codec import StridedKeypointCodec


@KEYPOINT_CODECS.register_module()
class StridedMSRAHeatmap(StridedKeypointCodec):
    """mmpose's ``MSRAHeatmap`` for a segmentation pipeline, where every image has its own size: heatmaps
    of ``ceil(H / stride) x ceil(W / stride)`` cells, one MSRAHeatmap per heatmap size.

    Coordinates are pixel indices of the image (pixel centres at integers, mmpose's convention). The encoded
    items and their mapping tables are MSRAHeatmap's, so mmpose's ``GenerateTarget`` can use this codec too.

    Args:
        stride: image pixels per heatmap cell.
        sigma: Gaussian sigma in heatmap cells.
    """

    label_mapping_table = MSRAHeatmap.label_mapping_table
    field_mapping_table = MSRAHeatmap.field_mapping_table

    def __init__(self, stride: int = 4, sigma: float = 2.0):
        super().__init__(stride)
        self.sigma = float(sigma)
        self._codecs: Dict[Tuple[int, int], MSRAHeatmap] = {}

    def _codec(self, heatmap_hw: Tuple[int, int]) -> MSRAHeatmap:
        if heatmap_hw not in self._codecs:
            if len(self._codecs) >= 32:  # photos of many sizes at inference: keep the cache small
                self._codecs.clear()
            height, width = heatmap_hw
            self._codecs[heatmap_hw] = MSRAHeatmap(
                input_size=(width * self.stride, height * self.stride), heatmap_size=(width, height), sigma=self.sigma
            )
        return self._codecs[heatmap_hw]

    def encode(
        self,
        keypoints: np.ndarray,
        keypoints_visible: Optional[np.ndarray] = None,
        img_shape: Optional[Sequence[int]] = None,
    ) -> Dict[str, np.ndarray]:
        """``heatmaps`` (K, h, w) and ``keypoint_weights`` (N, K) for (N, K, 2) keypoints of an image of
        ``img_shape`` (H, W); without ``keypoints_visible`` every joint is visible.

        Joints that are invisible or whose Gaussian falls outside the map weigh 0 (mmpose's rule).
        """
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], np.float32)
        encoded = self._codec(self.map_size(img_shape)).encode(
            keypoints.astype(np.float32), keypoints_visible.astype(np.float32)
        )
        return dict(
            heatmaps=encoded['heatmaps'].astype(np.float32),
            keypoint_weights=encoded['keypoint_weights'].astype(np.float32),
        )

    def decode(self, encoded: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints (1, K, 2) in image pixels of the padded input and their scores (1, K), from heatmaps
        (K, h, w)."""
        return self._codec(tuple(encoded.shape[1:])).decode(encoded)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(stride={self.stride}, sigma={self.sigma})'
