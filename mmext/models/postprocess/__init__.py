# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Test-time post-processing of segmentation scores: dense CRF, small-region removal, superpixel voting.

Every step is registered in mmseg's ``MODELS`` and called as ``step(logits (N, C, H, W), images (N, 3, H, W)
RGB 0..255)``, returning refined log-probabilities (N, C, H, W); a segmentor takes them from its config as
``postprocess=[...]`` (:class:`mmext.models.segmentors.PostProcessMixin`: ``PostProcessEncoderDecoder``,
``MultiTaskEncoderDecoder``).
"""

from .dense_crf import DenseCRF
from .small_regions import RemoveSmallRegions
from .superpixel import SuperpixelVote, felzenszwalb

__all__ = ['DenseCRF', 'RemoveSmallRegions', 'SuperpixelVote', 'felzenszwalb']
