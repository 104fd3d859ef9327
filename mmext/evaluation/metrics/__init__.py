# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .class_iou import ClassIoUMetric
from .group_iou import GroupIoUMetric
from .landmark_pck import LandmarkPCKMetric, keypoint_box_size, mask_box_size
from .per_image_iou import PerImageIoUMetric
from .relative_depth import RelativeDepthMetric
from .save_predictions import SavePredictions

__all__ = [
    'ClassIoUMetric',
    'GroupIoUMetric',
    'LandmarkPCKMetric',
    'PerImageIoUMetric',
    'RelativeDepthMetric',
    'SavePredictions',
    'keypoint_box_size',
    'mask_box_size',
]
