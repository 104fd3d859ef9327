# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .base import PoseEstimate, PoseProvider
from .blazepose import BLAZEPOSE_TO_COCO18, BlazePose
from .selfie_segmentation import MediaPipeSelfieSegmentation

__all__ = ['BLAZEPOSE_TO_COCO18', 'BlazePose', 'MediaPipeSelfieSegmentation', 'PoseEstimate', 'PoseProvider']
