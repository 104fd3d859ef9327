# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Dress Code landmarks as an auxiliary task: one heatmap per keypoint."""

from typing import Dict, List, Sequence, Union

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from ...codecs import build_codec
from .aux_task_head import AuxTaskHead


@MODELS.register_module()
class LandmarkHeatmapHead(AuxTaskHead):
    """Predicts ``num_keypoints`` heatmaps, learnt from ``GenerateLandmarkHeatmaps`` and decoded to
    keypoints by the same codec.

    Args:
        num_keypoints: 18 for Dress Code's OpenPose joints.
        decoder: the codec of the targets (``StridedMSRAHeatmap``); its stride is the head's target stride.
        loss: an mmpose heatmap loss: ``KeypointMSELoss`` with ``use_target_weight=True`` (invisible
            joints weigh 0) by default, or ``KeypointOHKMMSELoss`` (online hard keypoint mining).
        **kwargs: :class:`AuxTaskHead` arguments (in_channels, in_index, channels, loss_weight, ...).
    """

    def __init__(
        self,
        in_channels: Union[int, Sequence[int]],
        in_index: Union[int, Sequence[int]],
        channels: int = 128,
        num_keypoints: int = 18,
        decoder: dict = dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0),
        loss: dict = dict(type='KeypointMSELoss', use_target_weight=True),
        **kwargs,
    ):
        decoder = build_codec(decoder)
        super().__init__(in_channels, in_index, channels, num_keypoints, target_stride=decoder.stride, **kwargs)
        self.decoder = decoder
        # The losses live in mmpose's registry, whatever the default scope of the run.
        self.loss_fn = MODELS.build(dict(loss, _scope_=loss.get('_scope_', 'mmpose')))

    def loss(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        metas = self.metas(data_samples)
        pred = self.forward_at_target(inputs, metas)
        size = tuple(pred.shape[2:])
        target = self.stack_padded([s.gt_heatmaps.data for s in data_samples], size).to(pred)
        weights = torch.cat([s.gt_landmarks.keypoint_weights for s in data_samples]).to(pred)
        return {'loss_kpt': self.loss_weight * self.loss_fn(pred, target, weights)}

    def predict(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> None:
        metas = self.metas(data_samples)
        heatmaps = self.forward_at_target(inputs, metas).detach().float().cpu().numpy()
        for sample, maps, meta in zip(data_samples, heatmaps, metas):
            if meta.get('flip'):
                raise NotImplementedError('landmark prediction on flipped test images is not supported')
            keypoints, scores = self.decoder.decode(maps)
            keypoints = keypoints / np.asarray(meta.get('scale_factor', (1.0, 1.0)), dtype=np.float32)[:2]
            sample.pred_landmarks = InstanceData(
                keypoints=torch.from_numpy(keypoints.astype(np.float32)),
                keypoint_scores=torch.from_numpy(scores.astype(np.float32)),
            )
