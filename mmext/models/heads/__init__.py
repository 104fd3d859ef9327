# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .aux_task_head import AuxTaskHead
from .depth_head import DepthHead
from .landmark_heatmap_head import LandmarkHeatmapHead
from .skeleton_head import SkeletonHead, binary_dice_loss

__all__ = ['AuxTaskHead', 'DepthHead', 'LandmarkHeatmapHead', 'SkeletonHead', 'binary_dice_loss']
