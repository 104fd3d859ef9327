from .depth import EstimateDepth
from .formatting import PackMultiTaskInputs
from .geometry import PoseAwareRandomCrop, PoseAwareRandomFlip, Resize
from .input_channels import ConcatExtraChannels
from .loading import LoadDepthMap, LoadDressCodeKeypoints, LoadSkeletonMask
from .pose import EstimatePose
from .targets import GenerateLandmarkHeatmaps, GenerateLimbMaps

__all__ = [
    'ConcatExtraChannels', 'EstimateDepth', 'EstimatePose', 'GenerateLandmarkHeatmaps', 'GenerateLimbMaps',
    'LoadDepthMap', 'LoadDressCodeKeypoints', 'LoadSkeletonMask', 'PackMultiTaskInputs', 'PoseAwareRandomCrop',
    'PoseAwareRandomFlip', 'Resize'
]
