# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Pose codecs: one object encodes the training targets (pipeline) and decodes the predictions (head).

mmpose codecs (``BaseKeypointCodec`` subclasses, the image size through ``auxiliary_encode_keys``) registered in
mmpose's ``KEYPOINT_CODECS`` beside ``MSRAHeatmap``; configs name one codec variable and pass it to the target
transform (``encoder=codec``) and to the head (``decoder=codec``).
"""

from typing import Union

from mmpose.registry import KEYPOINT_CODECS

from .limb_map import LimbMapCodec
from .strided_codec import StridedKeypointCodec
from .strided_heatmap import StridedMSRAHeatmap

__all__ = ['LimbMapCodec', 'StridedKeypointCodec', 'StridedMSRAHeatmap', 'build_codec']


def build_codec(cfg: Union[dict, object]):
    """Build a codec from its config (a built codec passes through)."""
    return cfg if not isinstance(cfg, dict) else KEYPOINT_CODECS.build(cfg)
