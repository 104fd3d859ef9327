from .depth import EstimateDepth
from .formatting import PackMultiTaskInputs
from .geometry import PoseAwareRandomCrop, PoseAwareRandomFlip
from .input_channels import ConcatExtraChannels
from .loading import LoadDepthMap, LoadDressCodeKeypoints, LoadSkeletonMask
from .targets import GenerateLandmarkHeatmaps, GenerateLimbMaps

__all__ = [
    'ConcatExtraChannels', 'EstimateDepth', 'GenerateLandmarkHeatmaps', 'GenerateLimbMaps', 'LoadDepthMap',
    'LoadDressCodeKeypoints', 'LoadSkeletonMask', 'PackMultiTaskInputs', 'PoseAwareRandomCrop', 'PoseAwareRandomFlip'
]
