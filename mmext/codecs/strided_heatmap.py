"""Gaussian keypoint heatmaps at a stride of the image, for images of any size."""
from typing import Dict, Tuple

import numpy as np
from mmpose.codecs import MSRAHeatmap
from mmpose.registry import KEYPOINT_CODECS


@KEYPOINT_CODECS.register_module()
class StridedMSRAHeatmap:
    """mmpose's ``MSRAHeatmap`` for a segmentation pipeline, where every image has its own size: heatmaps
    of ``ceil(H / stride) x ceil(W / stride)`` cells, one MSRAHeatmap per heatmap size.

    Coordinates are pixel indices of the image (pixel centres at integers, mmpose's convention).

    Args:
        stride: image pixels per heatmap cell.
        sigma: Gaussian sigma in heatmap cells.
    """

    def __init__(self, stride: int = 4, sigma: float = 2.0):
        self.stride = int(stride)
        self.sigma = float(sigma)
        self._codecs: Dict[Tuple[int, int], MSRAHeatmap] = {}

    def map_size(self, image_hw: Tuple[int, int]) -> Tuple[int, int]:
        """(h, w) of the heatmaps of an image of ``image_hw``."""
        return -(-int(image_hw[0]) // self.stride), -(-int(image_hw[1]) // self.stride)

    def _codec(self, heatmap_hw: Tuple[int, int]) -> MSRAHeatmap:
        if heatmap_hw not in self._codecs:
            if len(self._codecs) >= 32:  # photos of many sizes at inference: keep the cache small
                self._codecs.clear()
            height, width = heatmap_hw
            self._codecs[heatmap_hw] = MSRAHeatmap(input_size=(width * self.stride, height * self.stride),
                                                   heatmap_size=(width, height), sigma=self.sigma)
        return self._codecs[heatmap_hw]

    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray,
               image_hw: Tuple[int, int]) -> Dict[str, np.ndarray]:
        """``heatmaps`` (K, h, w) and ``keypoint_weights`` (1, K) for (1, K, 2) keypoints.

        Joints that are invisible or whose Gaussian falls outside the map weigh 0 (mmpose's rule).
        """
        encoded = self._codec(self.map_size(image_hw)).encode(keypoints.astype(np.float32),
                                                              keypoints_visible.astype(np.float32))
        return dict(heatmaps=encoded['heatmaps'].astype(np.float32),
                    keypoint_weights=encoded['keypoint_weights'].astype(np.float32))

    def decode(self, heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints (1, K, 2) in image pixels of the padded input and their scores (1, K)."""
        return self._codec(tuple(heatmaps.shape[1:])).decode(heatmaps)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(stride={self.stride}, sigma={self.sigma})'
