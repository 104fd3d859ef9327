# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Packing segmentation plus auxiliary targets into ``SegDataSample``."""

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

# results key -> data sample field, for dense targets.
PIXEL_TARGETS = {
    'gt_heatmaps': 'gt_heatmaps',
    'gt_limb_maps': 'gt_limb_maps',
    'gt_skeleton_mask': 'gt_skeleton_mask',
}


@TRANSFORMS.register_module()
class PackMultiTaskInputs(PackSegInputs):
    """``PackSegInputs`` plus the auxiliary targets.

    ``PackSegInputs`` itself packs ``gt_seg_map`` and the depth map ``gt_depth_map`` (``PixelData`` (1, H, W),
    mmseg's field, which ``SegDataPreProcessor`` pads with the batch). Adds to the data sample, when present in
    the results:

    - ``gt_heatmaps``, ``gt_limb_maps``, ``gt_skeleton_mask``: ``PixelData`` (C, H, W);
    - ``gt_landmarks``: ``InstanceData`` with ``keypoints`` / ``keypoints_visible`` (after augmentation),
      ``keypoint_weights`` (heatmap loss weights) and ``ori_keypoints`` / ``ori_keypoints_visible`` (in
      the original image, for evaluation).
    """

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        sample = packed['data_samples']
        for key, field in PIXEL_TARGETS.items():
            if results.get(key) is not None:
                data = torch.from_numpy(np.ascontiguousarray(results[key], dtype=np.float32))
                sample.set_field(PixelData(data=data if data.dim() == 3 else data[None]), field)
        if results.get('gt_keypoints') is not None:
            landmarks = InstanceData()
            landmarks.keypoints = torch.from_numpy(np.asarray(results['gt_keypoints'], np.float32))
            landmarks.keypoints_visible = torch.from_numpy(np.asarray(results['gt_keypoints_visible'], np.float32))
            if results.get('gt_keypoint_weights') is not None:
                landmarks.keypoint_weights = torch.from_numpy(np.asarray(results['gt_keypoint_weights'], np.float32))
            if results.get('ori_keypoints') is not None:
                landmarks.ori_keypoints = torch.from_numpy(np.asarray(results['ori_keypoints'], np.float32))
                landmarks.ori_keypoints_visible = torch.from_numpy(
                    np.asarray(results['ori_keypoints_visible'], np.float32)
                )
            sample.gt_landmarks = landmarks
        return packed
