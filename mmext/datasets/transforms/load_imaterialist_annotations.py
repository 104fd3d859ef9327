# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""``LoadIMaterialistAnnotations``: the iMaterialist instances' run-length text into mmdet's gt fields.

Registered in mmdet's ``TRANSFORMS`` (the Mask R-CNN config runs in mmdet's scope); not imported by
``import mmext``, so configs list this module in ``custom_imports`` (see
:mod:`mmext.datasets.imaterialist_instances`).
"""

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS as DET_TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks

from ..errors import DatasetError
from ..rle import decode_rle


@DET_TRANSFORMS.register_module()
class LoadIMaterialistAnnotations(BaseTransform):
    """Decode the instances of an :class:`IMaterialistInstanceDataset` sample into mmdet's gt fields.

    Required keys: ``instances`` (``bbox``, ``bbox_label``, ``ignore_flag``, ``rle``), ``img_path``; the image
    size is ``img_shape`` (put it after ``LoadImageFromFile``) or else ``height`` / ``width``.

    Added keys: ``gt_bboxes`` (HorizontalBoxes, float32), ``gt_bboxes_labels`` (int64), ``gt_ignore_flags``
    (bool), ``gt_masks`` (BitmapMasks, uint8) -- each as enabled.

    Raises:
        DatasetError: the csv's size of the image differs from the loaded image's.
    """

    def __init__(self, with_bbox: bool = True, with_label: bool = True, with_mask: bool = True):
        self.with_bbox = with_bbox
        self.with_label = with_label
        self.with_mask = with_mask

    def transform(self, results: dict) -> dict:
        instances = results.get('instances', [])
        if self.with_bbox:
            boxes = np.array([i['bbox'] for i in instances], dtype=np.float32).reshape(-1, 4)
            results['gt_bboxes'] = HorizontalBoxes(boxes, dtype=torch.float32)
            results['gt_ignore_flags'] = np.array([bool(i.get('ignore_flag', 0)) for i in instances], dtype=bool)
        if self.with_label:
            results['gt_bboxes_labels'] = np.array([i['bbox_label'] for i in instances], dtype=np.int64)
        if self.with_mask:
            height, width = (
                results['img_shape'][:2] if 'img_shape' in results else (results['height'], results['width'])
            )
            if 'height' in results and (results['height'], results['width']) != (height, width):
                raise DatasetError(
                    results.get('img_path', '?'),
                    f'the image is {height} x {width} (H x W) but the '
                    f'csv says {results["height"]} x {results["width"]}',
                )
            masks = np.zeros((len(instances), height, width), dtype=np.uint8)
            for k, instance in enumerate(instances):
                masks[k] = decode_rle(instance['rle'], height, width)
            results['gt_masks'] = BitmapMasks(masks, height, width)
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(with_bbox={self.with_bbox}, with_label={self.with_label}, '
            f'with_mask={self.with_mask})'
        )
