# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Loading transforms for Dress Code annotations beyond the label map."""

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.datasets.transforms import LoadDepthAnnotation
from mmseg.registry import TRANSFORMS

from ..errors import DatasetError
from ..keypoints import read_dresscode_keypoints
from ..sample_checks import check_image_file
from .geometry import register_continuous_field


def _read_image(path: str, flag: int) -> np.ndarray:
    """Decode ``path``; DatasetError when it is missing, empty, truncated (OpenCV would decode a truncated JPEG
    without an error) or not an image."""
    data = check_image_file(path)
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    except cv2.error as error:
        raise DatasetError(path, f'unreadable image ({error})') from None
    if image is None:
        raise DatasetError(path, 'unreadable image (not a format OpenCV can decode)')
    return image


def _to_image_size(array: np.ndarray, results: dict, path: str, interpolation: int) -> np.ndarray:
    """Resize an annotation image to the loaded photo when their sizes differ (e.g. a half-size map)."""
    height, width = results['ori_shape'][:2]
    if array.shape[:2] == (height, width):
        return array
    if abs(array.shape[0] / height - array.shape[1] / width) > 0.02:
        raise DatasetError(
            path, f'size {array.shape[:2]} does not match the photo {(height, width)} (different aspect ratio)'
        )
    return cv2.resize(array, (width, height), interpolation=interpolation)


@TRANSFORMS.register_module()
class LoadDressCodeKeypoints(BaseTransform):
    """Load ``keypoints_path`` and rescale the joints to the loaded image.

    Required keys: ``keypoints_path``, ``ori_shape`` (run after ``LoadImageFromFile``).

    Added keys (mmpose's layout, one instance):

    - ``gt_keypoints`` (1, 18, 2) float32 pixels and ``gt_keypoints_visible`` (1, 18): follow the geometric
      transforms (mmcv's ``Resize`` scales ``gt_keypoints``; use ``PoseAwareRandomCrop`` /
      ``PoseAwareRandomFlip`` for crops and flips).
    - ``ori_keypoints`` / ``ori_keypoints_visible``: the same in the original image, for evaluation.
    - ``keypoints_out_of_frame``: joints of the file outside its 384 x 512 frame, read as missing
      (``tools/misc/check_dataset.py`` reports them).
    """

    def transform(self, results: dict) -> dict:
        content = read_dresscode_keypoints(results['keypoints_path'])
        keypoints, visible = content.in_image(results['ori_shape'][:2])
        results['keypoints_out_of_frame'] = content.out_of_frame
        results['gt_keypoints'] = keypoints
        results['gt_keypoints_visible'] = visible
        results['ori_keypoints'] = keypoints.copy()
        results['ori_keypoints_visible'] = visible.copy()
        return results


@TRANSFORMS.register_module()
class LoadSkeletonMask(BaseTransform):
    """Binary mask of Dress Code's OpenPose-style skeleton image (``skeleton_path``).

    A pixel belongs to the skeleton when any colour channel exceeds ``threshold`` (the drawing is on
    black). Added key ``gt_skeleton_mask`` (H, W) uint8, registered in ``seg_fields`` so that geometric
    transforms move it with the image.
    """

    def __init__(self, threshold: int = 40):
        self.threshold = threshold

    def transform(self, results: dict) -> dict:
        path = results['skeleton_path']
        image = _read_image(path, cv2.IMREAD_COLOR)
        mask = (image.max(axis=2) > self.threshold).astype(np.uint8)
        results['gt_skeleton_mask'] = _to_image_size(mask, results, path, cv2.INTER_NEAREST)
        results.setdefault('seg_fields', []).append('gt_skeleton_mask')
        return results


def put_depth_map(results: dict, depth: np.ndarray) -> None:
    """Store a relative inverse depth map (H, W) float32 as mmseg's ``LoadDepthAnnotation`` stores depth:
    ``gt_depth_map`` in ``seg_fields`` (so geometric transforms move it with the image; registered as continuous,
    so ``DepthAwareResize`` resizes it bilinearly) and ``depth_rescale_factor`` 1 (the values as they are)."""
    results['gt_depth_map'] = np.asarray(depth, np.float32)
    register_continuous_field(results, 'gt_depth_map')
    results['depth_rescale_factor'] = 1.0


@TRANSFORMS.register_module()
class LoadDepthMap(LoadDepthAnnotation):
    """Relative inverse depth from a 16-bit PNG (``depth_path``), normalised per image to [0, 1].

    Larger values are nearer (MiDaS convention). Adds what mmseg's ``LoadDepthAnnotation`` adds --
    ``gt_depth_map`` (H, W) float32 in ``seg_fields`` and ``depth_rescale_factor`` -- so mmseg's
    ``PackSegInputs`` packs it and its transforms handle it; what differs: the path comes from the data info's
    ``depth_path`` (mmext's per-photo rule, ``mmext/datasets/depth_maps.py``), a missing or broken file is a
    ``DatasetError`` (the bad-sample policy), a map of another size than the photo is resized to it, values are
    min-max normalised per image, and the map is registered as continuous (``DepthAwareResize`` resizes it
    bilinearly).

    Args:
        normalize: min-max normalise each map to [0, 1] (a constant map becomes 0).
    """

    def __init__(self, normalize: bool = True):
        super().__init__(decode_backend='cv2', to_float32=True)
        self.normalize = normalize

    def transform(self, results: dict) -> dict:
        path = results['depth_path']
        depth = _read_image(path, cv2.IMREAD_UNCHANGED)
        if depth.ndim != 2 or depth.dtype not in (np.uint16, np.uint8):
            raise DatasetError(path, f'expected a single-channel 8/16-bit depth PNG, got {depth.dtype} {depth.shape}')
        depth = _to_image_size(depth.astype(np.float32), results, path, cv2.INTER_LINEAR)
        if self.normalize:
            low, high = float(depth.min()), float(depth.max())
            depth = (depth - low) / (high - low) if high > low else np.zeros_like(depth)
        put_depth_map(results, depth)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(normalize={self.normalize})'
