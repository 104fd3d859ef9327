"""Geometric augmentations that keep keypoints (and left/right semantics) in step with the image.

mmseg's ``RandomCrop`` ignores keypoints and its ``RandomFlip`` neither flips them nor swaps left/right
joints; mmcv's ``Resize`` (used by ``RandomResize``) already scales ``gt_keypoints``.
"""
from typing import Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import RandomCrop
from mmseg.registry import TRANSFORMS

from ..dresscode_meta import KEYPOINT_FLIP_PAIRS
from ..pose_rendering import flip_permutation


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
class PoseAwareRandomFlip(BaseTransform):
    """Horizontal flip of the image, every seg field and the keypoints, keeping left and right right.

    Keypoints are mirrored (x -> W - x) and left/right joints trade places, so a flipped right shoulder is
    still labelled ``r_shoulder``. Label pairs in ``seg_swap_pairs`` (e.g. Dress Code's left/right arm,
    leg and shoe classes) are swapped in ``gt_seg_map`` only -- never in other fields such as depth.

    Args:
        prob: flip probability.
        keypoint_flip_pairs: pairs of joint indices that mirror each other (COCO-18 by default).
        seg_swap_pairs: pairs of labels to swap in ``gt_seg_map``.
    """

    def __init__(self,
                 prob: float = 0.5,
                 keypoint_flip_pairs: Sequence[Tuple[int, int]] = KEYPOINT_FLIP_PAIRS,
                 seg_swap_pairs: Sequence[Tuple[int, int]] = ()):
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.keypoint_flip_pairs = [tuple(p) for p in keypoint_flip_pairs]
        self.seg_swap_pairs = [tuple(p) for p in seg_swap_pairs]

    @cache_randomness
    def _do_flip(self) -> bool:
        return bool(np.random.rand() < self.prob)

    def transform(self, results: dict) -> dict:
        flip = self._do_flip()
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        if not flip:
            return results
        results['img'] = mmcv.imflip(results['img'], direction='horizontal')
        for key in results.get('seg_fields', []):
            flipped = mmcv.imflip(results[key], direction='horizontal')
            if key == 'gt_seg_map' and self.seg_swap_pairs:
                original = flipped.copy()
                for a, b in self.seg_swap_pairs:
                    flipped[original == a] = b
                    flipped[original == b] = a
            results[key] = np.ascontiguousarray(flipped)
        if results.get('gt_keypoints') is not None:
            width = results['img'].shape[1]
            visible = results['gt_keypoints_visible'].copy()
            keypoints = results['gt_keypoints'].copy()
            keypoints[..., 0] = width - keypoints[..., 0]
            keypoints[visible == 0] = 0
            permutation = flip_permutation(keypoints.shape[1], self.keypoint_flip_pairs)
            results['gt_keypoints'] = keypoints[:, permutation]
            results['gt_keypoints_visible'] = visible[:, permutation]
        return results
