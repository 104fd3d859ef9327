"""Auxiliary training targets built from the (already augmented) annotations.

Run these after every geometric transform, so that the targets describe the image the network sees.
"""
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ..pose_rendering import encode_heatmaps, render_limb_maps


@TRANSFORMS.register_module()
class GenerateLandmarkHeatmaps(BaseTransform):
    """One Gaussian heatmap per keypoint with mmpose's ``MSRAHeatmap`` codec.

    Required keys: ``gt_keypoints``, ``gt_keypoints_visible``, ``img_shape``.
    Added keys: ``gt_heatmaps`` (K, ceil(H/stride), ceil(W/stride)) float32 and ``gt_keypoint_weights``
    (1, K): 0 for invisible joints and joints whose Gaussian misses the map.

    Args:
        stride: image pixels per heatmap cell.
        sigma: Gaussian sigma in heatmap cells.
    """

    def __init__(self, stride: int = 4, sigma: float = 2.0):
        self.stride = stride
        self.sigma = sigma

    def transform(self, results: dict) -> dict:
        heatmaps, weights = encode_heatmaps(results['gt_keypoints'], results['gt_keypoints_visible'],
                                            results['img_shape'][:2], self.stride, self.sigma)
        results['gt_heatmaps'] = heatmaps
        results['gt_keypoint_weights'] = weights
        return results


@TRANSFORMS.register_module()
class GenerateLimbMaps(BaseTransform):
    """Binary limb maps, one channel per COCO-18 limb, drawn between visible joints.

    Required keys: ``gt_keypoints``, ``gt_keypoints_visible``, ``img_shape``.
    Added key: ``gt_limb_maps`` (17, ceil(H/stride), ceil(W/stride)) float32 in {0, 1}.

    Args:
        width: limb thickness in image pixels.
        stride: image pixels per map cell.
    """

    def __init__(self, width: float = 8.0, stride: int = 4):
        self.width = width
        self.stride = stride

    def transform(self, results: dict) -> dict:
        height, width = results['img_shape'][:2]
        map_hw = (-(-height // self.stride), -(-width // self.stride))
        results['gt_limb_maps'] = render_limb_maps(results['gt_keypoints'], results['gt_keypoints_visible'],
                                                   map_hw, self.width, self.stride)
        return results
