# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Pose estimated on the fly, for photos without a keypoint file (new photos, demos, cost checks)."""

from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import MODELS, TRANSFORMS

DEFAULT_PROVIDER = dict(type='BlazePose')


@TRANSFORMS.register_module()
class EstimatePose(BaseTransform):
    """Run a pose provider on the loaded photo; the drop-in replacement of ``LoadDressCodeKeypoints``.

    Adds exactly the keys ``LoadDressCodeKeypoints`` adds for a keypoint file -- ``gt_keypoints`` (1, 18, 2)
    in the photo's pixels, ``gt_keypoints_visible`` (1, 18), and their ``ori_`` copies -- so the pose-aware
    transforms and ``ConcatExtraChannels`` that follow work unchanged. Where no person is found every joint
    is missing (visible 0) and ``pose_found`` is False. Run it right after ``LoadImageFromFile`` (BGR photo),
    before the geometric transforms.

    Args:
        provider: config of a pose provider (:class:`mmext.models.pose.PoseProvider`), default BlazePose.
    """

    def __init__(self, provider: Optional[dict] = None):
        self.provider_cfg = dict(provider or DEFAULT_PROVIDER)
        self._provider = None

    def transform(self, results: dict) -> dict:
        image = results['img']
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f'EstimatePose needs the uint8 BGR photo of LoadImageFromFile, got {image.dtype} {image.shape}'
            )
        if self._provider is None:
            self._provider = MODELS.build(self.provider_cfg)
        pose = self._provider.estimate([cv2.cvtColor(image, cv2.COLOR_BGR2RGB)])[0]
        if pose is None:
            keypoints = np.zeros((1, self._provider.num_keypoints, 2), np.float32)
            visible = np.zeros((1, self._provider.num_keypoints), np.float32)
        else:
            visible = pose.visible[None].astype(np.float32)
            keypoints = np.where(visible[..., None] > 0, pose.keypoints[None], 0).astype(np.float32)
        results['gt_keypoints'], results['gt_keypoints_visible'] = keypoints, visible
        results['ori_keypoints'], results['ori_keypoints_visible'] = keypoints.copy(), visible.copy()
        results['pose_found'] = pose is not None
        return results

    def __getstate__(self) -> dict:  # data loader workers build their own estimator
        return dict(self.__dict__, _provider=None)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(provider={self.provider_cfg})'
