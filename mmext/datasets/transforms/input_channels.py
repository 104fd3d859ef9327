# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Pose and depth as extra input channels, concatenated to the RGB image."""

from typing import Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...codecs import LimbMapCodec, StridedMSRAHeatmap

SOURCES = ('keypoint_heatmaps', 'limb_maps', 'depth')


@TRANSFORMS.register_module()
class ConcatExtraChannels(BaseTransform):
    """Render pose (and depth) at full resolution and append it to ``img`` as extra channels.

    Run after the geometric and photometric transforms. Channels are scaled to [0, 255] like the image,
    so the data preprocessor normalises them with its ``mean`` / ``std`` entries for the extra channels
    (use ``MultiChannelSegDataPreProcessor``).

    Args:
        sources: any of 'keypoint_heatmaps' (Gaussians at the joints, from ``gt_keypoints``), 'limb_maps'
            (limb segments between visible joints) and 'depth' (``gt_depth_map`` from ``LoadDepthMap``).
        per_part: one channel per joint / limb (18 / 17) instead of their maximum (1 each).
        sigma: Gaussian sigma of the keypoint heatmaps, in image pixels.
        limb_width: limb thickness in image pixels.

    Modified key: ``img`` becomes float32 (H, W, 3 + extra channels).
    """

    def __init__(
        self,
        sources: Sequence[str] = ('keypoint_heatmaps',),
        per_part: bool = False,
        sigma: float = 6.0,
        limb_width: float = 8.0,
    ):
        unknown = set(sources) - set(SOURCES)
        if unknown or not sources:
            raise ValueError(f'sources must be a non-empty subset of {SOURCES}, got {sources}')
        self.sources = tuple(sources)
        self.per_part = per_part
        self.sigma = sigma
        self.limb_width = limb_width
        # Inputs are drawn at the image's own resolution: the target codecs at stride 1.
        self._heatmap_codec = StridedMSRAHeatmap(stride=1, sigma=sigma)
        self._limb_codec = LimbMapCodec(stride=1, width=limb_width)

    def num_channels(self, num_keypoints: int = 18, num_limbs: int = 17) -> int:
        """Extra channels this transform adds."""
        sizes = {
            'keypoint_heatmaps': num_keypoints if self.per_part else 1,
            'limb_maps': num_limbs if self.per_part else 1,
            'depth': 1,
        }
        return sum(sizes[s] for s in self.sources)

    def transform(self, results: dict) -> dict:
        image = results['img']
        height, width = image.shape[:2]
        channels = [image.astype(np.float32)]
        for source in self.sources:
            if source == 'depth':
                maps = results['gt_depth_map'][None]
            elif source == 'keypoint_heatmaps':
                maps = self._heatmap_codec.encode(
                    results['gt_keypoints'], results['gt_keypoints_visible'], img_shape=(height, width)
                )['heatmaps']
            else:
                maps = self._limb_codec.encode(
                    results['gt_keypoints'], results['gt_keypoints_visible'], img_shape=(height, width)
                )['limb_maps']
            if not self.per_part and source != 'depth':
                maps = maps.max(axis=0, keepdims=True)
            channels.append(np.moveaxis(maps.astype(np.float32), 0, -1) * 255.0)
        results['img'] = np.concatenate(channels, axis=-1)
        return results
