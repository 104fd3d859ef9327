# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .depth import EstimateDepth
from .formatting import PackMultiTaskInputs
from .geometry import DepthAwareResize, PoseAwareRandomCrop, PoseAwareRandomFlip
from .input_channels import ConcatExtraChannels
from .loading import LoadDepthMap, LoadDressCodeKeypoints, LoadSkeletonMask
from .pose import EstimatePose
from .targets import GenerateLandmarkHeatmaps, GenerateLimbMaps

__all__ = [
    'ConcatExtraChannels',
    'DepthAwareResize',
    'EstimateDepth',
    'EstimatePose',
    'GenerateLandmarkHeatmaps',
    'GenerateLimbMaps',
    'LoadDepthMap',
    'LoadDressCodeKeypoints',
    'LoadSkeletonMask',
    'PackMultiTaskInputs',
    'PoseAwareRandomCrop',
    'PoseAwareRandomFlip',
]
