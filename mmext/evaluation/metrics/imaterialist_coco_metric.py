# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""``IMaterialistCocoMetric``: COCO bbox / segm mAP on iMaterialist without a COCO json.

Registered in mmdet's ``METRICS`` (the Mask R-CNN config runs in mmdet's scope); not imported by
``import mmext``, so configs list this module in ``custom_imports`` (see
:mod:`mmext.datasets.imaterialist_instances`).
"""

from typing import Sequence

import numpy as np
from mmdet.evaluation.metrics import CocoMetric
from mmdet.registry import METRICS as DET_METRICS

from ...datasets.rle import decode_rle


@DET_METRICS.register_module()
class IMaterialistCocoMetric(CocoMetric):
    """mmdet's ``CocoMetric`` (COCO bbox / segm mAP) with the ground truth taken from the data samples.

    The test pipeline must pack the raw ``instances`` into the data samples:
    ``dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor',
    'instances'))``. Each instance's run-length text is decoded at the original image size and re-encoded as
    COCO RLE, so ``CocoMetric`` builds its ground-truth json itself (``ann_file`` must stay None). The
    ground-truth ``area`` that COCO uses for the small / medium / large breakdown is the box area
    (``CocoMetric``'s conversion), not the mask area.
    """

    def __init__(self, *args, **kwargs):
        if kwargs.get('ann_file') is not None:
            raise ValueError(
                'IMaterialistCocoMetric takes its ground truth from the data samples; use CocoMetric for an ann_file'
            )
        super().__init__(*args, **kwargs)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        from pycocotools import mask as mask_utils

        converted = []
        for data_sample in data_samples:
            if 'instances' not in data_sample:
                raise KeyError(
                    'data samples carry no `instances`: add \'instances\' to the meta_keys of the test '
                    'pipeline\'s PackDetInputs'
                )
            height, width = data_sample['ori_shape'][:2]
            instances = []
            for instance in data_sample['instances']:
                mask = np.asfortranarray(decode_rle(instance['rle'], height, width).astype(np.uint8))
                rle = mask_utils.encode(mask)
                rle['counts'] = rle['counts'].decode()
                instances.append(
                    dict(
                        bbox=instance['bbox'],
                        bbox_label=instance['bbox_label'],
                        ignore_flag=instance.get('ignore_flag', 0),
                        mask=rle,
                    )
                )
            converted.append(dict(data_sample, instances=instances))
        super().process(data_batch, converted)
