# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The interface every pose provider implements: RGB photos in, COCO-18 joints in image pixels out.

A provider is registered in mmseg's ``MODELS`` registry and built from a config (``dict(type='BlazePose')``),
as the depth providers are, so another estimator can be swapped in by config. ``EstimatePose`` and
``tools/dataset_converters/annotate_pose.py`` use nothing but :meth:`PoseProvider.estimate`.
"""

from typing import List, NamedTuple, Optional

import numpy as np

from mmext.structures import COCO18_KEYPOINT_NAMES


class PoseEstimate(NamedTuple):
    """One person's COCO-18 (OpenPose order) joints in the photo's pixel coordinates.

    keypoints: (18, 2) float32 x, y (pixel centres, as mmpose). scores: (18,) float32 in [0, 1], the
    estimator's own confidence. visible: (18,) bool, the joints to use: confident and inside the photo.
    """

    keypoints: np.ndarray
    scores: np.ndarray
    visible: np.ndarray


class PoseProvider:
    """Base class of pose providers; subclasses implement :meth:`estimate_one`."""

    num_keypoints = len(COCO18_KEYPOINT_NAMES)

    def estimate(self, images: List[np.ndarray]) -> List[Optional[PoseEstimate]]:
        """RGB uint8 (H, W, 3) photos -> one estimate per photo, None where no person was found."""
        return [self.estimate_one(image) for image in images]

    def estimate_one(self, image: np.ndarray) -> Optional[PoseEstimate]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the estimator holds (graphs, threads); it is rebuilt on next use."""
