# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Auxiliary training targets built from the (already augmented) annotations by a pose codec.

Run these after every geometric transform, so that the targets describe the image the network sees. The
head that learns a target decodes its predictions with the same codec (``decoder=`` the same config).
"""

from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...codecs import build_codec


class _EncodeKeypoints(BaseTransform):
    """Encode ``gt_keypoints`` / ``gt_keypoints_visible`` of the image with ``encoder``; store the outputs
    named in ``OUTPUTS`` (codec key -> results key).

    As mmpose's ``GenerateTarget``, the codec gets the results keys it names in ``auxiliary_encode_keys``
    (mmext's codecs: ``img_shape``, the size of the image the targets describe)."""

    OUTPUTS: dict = {}

    def __init__(self, encoder: dict):
        self.encoder = build_codec(encoder)

    def transform(self, results: dict) -> dict:
        auxiliary = {key: results.get(key) for key in self.encoder.auxiliary_encode_keys}
        encoded = self.encoder.encode(
            keypoints=results['gt_keypoints'], keypoints_visible=results['gt_keypoints_visible'], **auxiliary
        )
        for codec_key, results_key in self.OUTPUTS.items():
            results[results_key] = encoded[codec_key]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(encoder={self.encoder!r})'


@TRANSFORMS.register_module()
class GenerateLandmarkHeatmaps(_EncodeKeypoints):
    """One Gaussian heatmap per keypoint (``encoder``: e.g. ``StridedMSRAHeatmap``).

    Required keys: ``gt_keypoints``, ``gt_keypoints_visible``, ``img_shape``.
    Added keys: ``gt_heatmaps`` (K, ceil(H/stride), ceil(W/stride)) float32 and ``gt_keypoint_weights``
    (1, K): 0 for invisible joints and joints whose Gaussian misses the map.
    """

    OUTPUTS = dict(heatmaps='gt_heatmaps', keypoint_weights='gt_keypoint_weights')


@TRANSFORMS.register_module()
class GenerateLimbMaps(_EncodeKeypoints):
    """Binary limb maps, one channel per skeleton link, between visible joints (``encoder``: ``LimbMapCodec``).

    Required keys: ``gt_keypoints``, ``gt_keypoints_visible``, ``img_shape``.
    Added key: ``gt_limb_maps`` (num_limbs, ceil(H/stride), ceil(W/stride)) float32 in {0, 1}.
    """

    OUTPUTS = dict(limb_maps='gt_limb_maps')
