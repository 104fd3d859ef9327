# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Relative inverse depth as an auxiliary task, trained scale-and-shift invariantly (as MiDaS)."""

from typing import Dict, List, Sequence, Union

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from .aux_task_head import AuxTaskHead


@MODELS.register_module()
class DepthHead(AuxTaskHead):
    """Regresses one relative inverse depth map; targets are mmseg's ``gt_depth_map`` (``LoadDepthMap``).

    The target is average-pooled to ``target_stride`` over the image's own pixels only (``img_shape``): a cell
    on the image border that is partly batch padding averages its image pixels, not the padding
    (``SegDataPreProcessor`` pads ``gt_depth_map`` with ``seg_pad_val``). The loss (``ScaleShiftInvariantLoss``
    by default) ignores cells that are padding only. Predictions (``pred_depth``) are in the original image.

    Args:
        loss: loss config taking (pred, target, mask).
        **kwargs: :class:`AuxTaskHead` arguments.
    """

    def __init__(
        self,
        in_channels: Union[int, Sequence[int]],
        in_index: Union[int, Sequence[int]],
        channels: int = 128,
        loss: dict = dict(type='ScaleShiftInvariantLoss'),
        **kwargs,
    ):
        super().__init__(in_channels, in_index, channels, 1, **kwargs)
        self.loss_fn = MODELS.build(loss)

    def loss(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        metas = self.metas(data_samples)
        pred = self.forward_at_target(inputs, metas)
        size = tuple(pred.shape[2:])
        full_size = (size[0] * self.target_stride, size[1] * self.target_stride)
        # The image's own pixels: the data preprocessor pads gt_depth_map with the batch (with seg_pad_val).
        maps = [
            s.gt_depth_map.data[:, : meta['img_shape'][0], : meta['img_shape'][1]]
            for s, meta in zip(data_samples, metas)
        ]
        depth = self.stack_padded(maps, full_size).to(pred)
        on_image = self.stack_padded([m.new_ones(m.shape) for m in maps], full_size).to(pred)
        coverage = F.avg_pool2d(on_image, self.target_stride)
        target = F.avg_pool2d(depth * on_image, self.target_stride) / coverage.clamp_min(1e-6)
        mask = (coverage > 0).to(pred)
        return {'loss_depth': self.loss_weight * self.loss_fn(pred, target, mask)}

    def predict(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> None:
        metas = self.metas(data_samples)
        pred = self.forward_at_target(inputs, metas)
        for sample, depth, meta in zip(data_samples, pred, metas):
            sample.pred_depth = PixelData(data=self.to_original_frame(depth, meta).detach())
