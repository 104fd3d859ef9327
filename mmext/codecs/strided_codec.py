# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The base of mmext's pose codecs: maps at ``1 / stride`` of an image of any size, on mmpose's codec interface."""

from typing import Optional, Sequence, Tuple

from mmpose.codecs.base import BaseKeypointCodec


class StridedKeypointCodec(BaseKeypointCodec):
    """mmpose's ``BaseKeypointCodec`` for images of any size (a segmentation pipeline does not crop every photo to
    one input size): the image size reaches :meth:`encode` as ``img_shape``, one of the codec's
    ``auxiliary_encode_keys`` -- the way mmpose's ``GenerateTarget`` hands codecs extra results keys -- and the
    encoded maps have ``ceil(H / stride) x ceil(W / stride)`` cells.

    Args:
        stride: image pixels per map cell.
    """

    auxiliary_encode_keys = {'img_shape'}

    def __init__(self, stride: int = 4):
        super().__init__()
        self.stride = int(stride)

    def map_size(self, img_shape: Optional[Sequence[int]]) -> Tuple[int, int]:
        """(h, w) of the maps of an image of ``img_shape`` (H, W, ...), as ``results['img_shape']``."""
        if img_shape is None:
            raise ValueError(
                f'{type(self).__name__}.encode needs img_shape, the (H, W) of the image (one of its '
                'auxiliary_encode_keys, taken from the results by the target transform)'
            )
        height, width = int(img_shape[0]), int(img_shape[1])
        return -(-height // self.stride), -(-width // self.stride)
