# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Base of the auxiliary task heads: a small conv stack on chosen backbone levels, predicting at a stride."""

import math
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.structures import SegDataSample
from torch import Tensor


class AuxTaskHead(BaseModule, metaclass=ABCMeta):
    """Conv head on one or several backbone outputs, with its own loss weight.

    Several ``in_index`` levels are resized to the first one and concatenated, reduced to ``channels`` by
    a 1x1 ConvModule, refined by ``num_convs`` 3x3 ConvModules and projected by a 1x1 conv. Predictions are resized
    to ``ceil(padded input / target_stride)``, the resolution of the targets; :meth:`to_original_frame` takes
    dense predictions from there to the original image, as :meth:`predict` promises.

    Args:
        in_channels: channels of each selected input.
        in_index: backbone output index (or indices).
        channels: hidden channels.
        out_channels: predicted channels.
        num_convs: 3x3 ConvModules between the 1x1 reduction and the 1x1 output conv.
        target_stride: input pixels per target cell.
        loss_weight: weight of this task's loss in the total.
    """

    def __init__(
        self,
        in_channels: Union[int, Sequence[int]],
        in_index: Union[int, Sequence[int]],
        channels: int,
        out_channels: int,
        num_convs: int = 2,
        target_stride: int = 4,
        loss_weight: float = 1.0,
        norm_cfg: dict = dict(type='BN', requires_grad=True),
        act_cfg: dict = dict(type='ReLU'),
        init_cfg: dict = dict(type='Normal', std=0.01, override=dict(name='conv_out')),
    ):
        super().__init__(init_cfg=init_cfg)
        self.in_index = [in_index] if isinstance(in_index, int) else list(in_index)
        in_channels = [in_channels] if isinstance(in_channels, int) else list(in_channels)
        if len(in_channels) != len(self.in_index):
            raise ValueError(f'in_channels {in_channels} and in_index {self.in_index} differ in length')
        self.target_stride = target_stride
        self.loss_weight = loss_weight
        conv = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.convs = nn.Sequential(
            ConvModule(sum(in_channels), channels, 1, **conv),
            *[ConvModule(channels, channels, 3, padding=1, **conv) for _ in range(num_convs)],
        )
        self.conv_out = nn.Conv2d(channels, out_channels, 1)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        selected = [inputs[i] for i in self.in_index]
        size = selected[0].shape[2:]
        x = torch.cat(
            [selected[0]] + [F.interpolate(f, size=size, mode='bilinear', align_corners=False) for f in selected[1:]],
            dim=1,
        )
        return self.conv_out(self.convs(x))

    def target_size(self, batch_img_metas: List[dict]) -> Tuple[int, int]:
        pad_h, pad_w = batch_img_metas[0].get('pad_shape', batch_img_metas[0]['img_shape'])[:2]
        return math.ceil(pad_h / self.target_stride), math.ceil(pad_w / self.target_stride)

    def forward_at_target(self, inputs: List[Tensor], batch_img_metas: List[dict]) -> Tensor:
        out = self.forward(inputs)
        size = self.target_size(batch_img_metas)
        if out.shape[2:] != size:
            out = F.interpolate(out, size=size, mode='bilinear', align_corners=False)
        return out

    def valid_mask(self, batch_img_metas: List[dict], size: Tuple[int, int], device) -> Tensor:
        """(N, 1, h, w) at the target stride: 1 on the image, 0 on the batch padding."""
        mask = torch.zeros(len(batch_img_metas), 1, *size, device=device)
        for i, meta in enumerate(batch_img_metas):
            height, width = meta['img_shape'][:2]
            mask[i, :, : math.ceil(height / self.target_stride), : math.ceil(width / self.target_stride)] = 1
        return mask

    def to_original_frame(self, maps: Tensor, meta: dict) -> Tensor:
        """One sample's dense prediction (C, h, w) at the target stride of the padded batch -> (C, H, W) in the
        original image (``ori_shape``): the image's own cells are cut out of the batch padding and resized
        bilinearly, as mmseg resizes segmentation logits."""
        height, width = meta['img_shape'][:2]
        valid = maps[:, : math.ceil(height / self.target_stride), : math.ceil(width / self.target_stride)]
        return F.interpolate(valid[None], size=tuple(meta['ori_shape'][:2]), mode='bilinear', align_corners=False)[0]

    @staticmethod
    def stack_padded(maps: List[Tensor], size: Tuple[int, int]) -> Tensor:
        """Stack (C, h, w) maps, zero-padding each at the bottom/right to ``size``."""
        return torch.stack([F.pad(m, (0, size[1] - m.shape[-1], 0, size[0] - m.shape[-2])) for m in maps])

    @staticmethod
    def metas(data_samples: List[SegDataSample]) -> List[dict]:
        return [sample.metainfo for sample in data_samples]

    @abstractmethod
    def loss(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """Losses (already weighted) of this task."""

    @abstractmethod
    def predict(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> None:
        """Write this task's predictions, in original image coordinates, into ``data_samples``."""
