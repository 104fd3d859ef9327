# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Geometric augmentations that keep keypoints, left/right semantics and depth maps in step with the image.

mmseg's ``RandomCrop`` ignores keypoints and its ``RandomFlip`` neither flips them nor swaps left/right
joints; mmcv's ``Resize`` (used by ``RandomResize``) already scales ``gt_keypoints`` but resizes every seg
field, a depth map too, by nearest neighbour (``DepthAwareResize`` resizes depth bilinearly). Keypoints are
pixel indices (pixel centres at integers), mmpose's convention.
"""

from typing import Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import RandomFlip
from mmseg.datasets.transforms import RandomCrop
from mmseg.datasets.transforms import Resize as MMSegResize
from mmseg.registry import TRANSFORMS

# Seg fields holding continuous values (depth maps), listed by their loaders under this results key: resized
# bilinearly instead of with nearest neighbour.
CONTINUOUS_FIELDS = 'continuous_seg_fields'


def register_continuous_field(results: dict, key: str) -> None:
    """Register ``key`` as a seg field (geometric transforms move it with the image) with continuous values."""
    results.setdefault('seg_fields', []).append(key)
    results.setdefault(CONTINUOUS_FIELDS, []).append(key)


# Fixed-size resize steps of a pipeline (tools that read or rewrite a test pipeline's scale look for these).
RESIZE_TYPES = ('Resize', 'DepthAwareResize')


@TRANSFORMS.register_module()
class DepthAwareResize(MMSegResize):
    """mmseg's ``Resize`` (same arguments, same results for images, label maps and keypoints) that resizes
    continuous seg fields -- depth maps, registered by :func:`register_continuous_field` -- bilinearly: nearest
    neighbour would turn a smooth depth map into steps. Every other seg field is resized by mmseg's rule.

    Pipelines that load depth before resizing use it in place of ``Resize``, and with
    ``RandomResize(..., resize_type='DepthAwareResize')``.
    """

    def _resize_seg(self, results: dict) -> None:
        continuous = set(results.get(CONTINUOUS_FIELDS, []))
        nearest = [key for key in results.get('seg_fields', []) if key not in continuous]
        results['seg_fields'], all_fields = nearest, results.get('seg_fields', [])
        try:
            super()._resize_seg(results)
        finally:
            results['seg_fields'] = all_fields
        resize = mmcv.imrescale if self.keep_ratio else mmcv.imresize
        for key in continuous:
            if results.get(key) is not None:
                results[key] = resize(results[key], results['scale'], interpolation='bilinear', backend=self.backend)


def _hide_outside(keypoints: np.ndarray, visible: np.ndarray, image_hw: Tuple[int, int]) -> None:
    """Mark joints outside the image invisible and zero their coordinates (in place)."""
    height, width = image_hw
    x, y = keypoints[..., 0], keypoints[..., 1]
    visible *= ((x >= 0) & (x < width) & (y >= 0) & (y < height)).astype(visible.dtype)
    keypoints[visible == 0] = 0


@TRANSFORMS.register_module()
class PoseAwareRandomCrop(RandomCrop):
    """mmseg's ``RandomCrop`` (same arguments) that also shifts ``gt_keypoints``.

    Joints that fall outside the crop become invisible.
    """

    def transform(self, results: dict) -> dict:
        crop_bbox = self.crop_bbox(results)
        y1, _, x1, _ = crop_bbox
        results['img'] = self.crop(results['img'], crop_bbox)
        for key in results.get('seg_fields', []):
            results[key] = self.crop(results[key], crop_bbox)
        image_hw = results['img'].shape[:2]
        results['img_shape'] = image_hw
        if results.get('gt_keypoints') is not None:
            keypoints = results['gt_keypoints'] - np.array([x1, y1], dtype=np.float32)
            visible = results['gt_keypoints_visible'].copy()
            _hide_outside(keypoints, visible, image_hw)
            results['gt_keypoints'], results['gt_keypoints_visible'] = keypoints, visible
        return results


@TRANSFORMS.register_module()
class PoseAwareRandomFlip(RandomFlip):
    """mmcv's horizontal ``RandomFlip`` that also mirrors keypoints with their left/right names and flips every
    seg field, swapping label pairs in the label map only.

    What it adds to mmcv's: keypoints are mirrored by mmpose's rule for pixel-index coordinates
    (x -> W - 1 - x; mmcv's own uses box-edge coordinates, W - x) and left/right joints trade places, so a
    flipped right shoulder is still ``r_shoulder``; the other seg fields (skeleton masks, depth) are flipped
    too. mmcv's ``swap_seg_labels`` (here ``seg_swap_pairs``, e.g. Dress Code's left/right arm, leg and shoe
    classes) applies to ``gt_seg_map`` only -- never to a depth map.

    Which joint mirrors which comes from the sample's ``flip_indices`` (the dataset's metainfo, mmpose's key).

    Args:
        prob: flip probability.
        seg_swap_pairs: pairs of labels to swap in ``gt_seg_map``.
    """

    def __init__(self, prob: float = 0.5, seg_swap_pairs: Sequence[Tuple[int, int]] = ()):
        super().__init__(prob=prob, direction='horizontal', swap_seg_labels=[list(p) for p in seg_swap_pairs] or None)

    def _flip_keypoints(self, keypoints: np.ndarray, img_shape: Tuple[int, int], direction: str) -> np.ndarray:
        flipped = keypoints.copy()
        flipped[..., 0] = img_shape[1] - 1 - flipped[..., 0]
        return flipped

    def _flip(self, results: dict) -> None:
        super()._flip(results)  # image, label map (pairs swapped), keypoints (mirrored)
        for key in ('img', *results.get('seg_fields', [])):
            if key != 'img' and key != 'gt_seg_map':
                results[key] = mmcv.imflip(results[key], direction='horizontal')
            results[key] = np.ascontiguousarray(results[key])
        if results.get('gt_keypoints') is not None:
            visible = results['gt_keypoints_visible'].copy()
            keypoints = results['gt_keypoints']
            keypoints[visible == 0] = 0
            if 'flip_indices' not in results:
                raise KeyError(
                    f"PoseAwareRandomFlip: {results.get('img_path', 'the sample')} has keypoints but no "
                    "'flip_indices'; the dataset's metainfo names them (mmext.structures.COCO18_METAINFO)"
                )
            permutation = np.asarray(results['flip_indices'])
            results['gt_keypoints'] = keypoints[:, permutation]
            results['gt_keypoints_visible'] = visible[:, permutation]
