# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The pose skeleton as an auxiliary task: limb maps (or the skeleton drawing's mask)."""

import math
from typing import Dict, List, Sequence, Union

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from ...codecs import build_codec
from .aux_task_head import AuxTaskHead

PRIOR = 0.05  # initial foreground probability of every output pixel


def binary_dice_loss(logits: Tensor, target: Tensor, mask: Tensor, smooth: float = 1.0) -> Tensor:
    """1 - soft Dice per channel over the batch, averaged over channels; ``mask`` (N, 1, H, W) excludes
    padding. Pooling the batch keeps limbs that are missing in one image from dominating the loss."""
    prob = logits.sigmoid() * mask
    target = target * mask
    intersection = (prob * target).sum((0, 2, 3))
    total = prob.sum((0, 2, 3)) + target.sum((0, 2, 3))
    return (1 - (2 * intersection + smooth) / (total + smooth)).mean()


@MODELS.register_module()
class SkeletonHead(AuxTaskHead):
    """Predicts one map per skeleton link (targets from ``GenerateLimbMaps`` with the same codec), or one
    skeleton mask.

    Predictions (``pred_limb_maps``) are per-channel probabilities in the original image.

    The output bias starts at a 5 % prior (limbs cover a small part of the image), so training does not
    spend its first steps pushing every pixel to "background".

    Args:
        target: 'limbs' (``gt_limb_maps``, one channel per link of the decoder) or 'skeleton_image'
            (``gt_skeleton_mask`` from ``LoadSkeletonMask``: the binary mask of Dress Code's skeleton drawing,
            1 channel).
        decoder: the codec of the limb maps (``LimbMapCodec``); its stride is the head's target stride.
        loss_bce_weight / loss_dice_weight: binary cross-entropy and Dice terms (either may be 0).
        **kwargs: :class:`AuxTaskHead` arguments.
    """

    def __init__(
        self,
        in_channels: Union[int, Sequence[int]],
        in_index: Union[int, Sequence[int]],
        channels: int = 128,
        target: str = 'limbs',
        decoder: dict = dict(type='LimbMapCodec', stride=4),
        loss_bce_weight: float = 1.0,
        loss_dice_weight: float = 1.0,
        **kwargs,
    ):
        if target not in ('limbs', 'skeleton_image'):
            raise ValueError(f"target must be 'limbs' or 'skeleton_image', got {target!r}")
        if loss_bce_weight <= 0 and loss_dice_weight <= 0:
            raise ValueError('at least one of loss_bce_weight and loss_dice_weight must be positive')
        kwargs.setdefault(
            'init_cfg', dict(type='Normal', std=0.01, bias=-math.log(1 / PRIOR - 1), override=dict(name='conv_out'))
        )
        decoder = build_codec(decoder)
        super().__init__(
            in_channels,
            in_index,
            channels,
            decoder.num_limbs if target == 'limbs' else 1,
            target_stride=decoder.stride,
            **kwargs,
        )
        self.decoder = decoder
        self.target = target
        self.loss_bce_weight = loss_bce_weight
        self.loss_dice_weight = loss_dice_weight

    def _targets(self, data_samples: List[SegDataSample], size) -> Tensor:
        if self.target == 'limbs':
            return self.stack_padded([s.gt_limb_maps.data for s in data_samples], size)
        full = [s.gt_skeleton_mask.data for s in data_samples]
        full_size = (size[0] * self.target_stride, size[1] * self.target_stride)
        # A target cell is on the skeleton if any of its pixels is.
        return F.max_pool2d(self.stack_padded(full, full_size), self.target_stride)

    def loss(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        metas = self.metas(data_samples)
        logits = self.forward_at_target(inputs, metas)
        size = tuple(logits.shape[2:])
        target = self._targets(data_samples, size).to(logits)
        mask = self.valid_mask(metas, size, logits.device)
        losses = {}
        if self.loss_bce_weight > 0:
            bce = F.binary_cross_entropy_with_logits(logits, target, reduction='none') * mask
            losses['loss_bce'] = (
                self.loss_weight * self.loss_bce_weight * bce.sum() / (mask.sum() * logits.shape[1]).clamp(min=1)
            )
        if self.loss_dice_weight > 0:
            losses['loss_dice'] = self.loss_weight * self.loss_dice_weight * binary_dice_loss(logits, target, mask)
        return losses

    def predict(self, inputs: List[Tensor], data_samples: List[SegDataSample]) -> None:
        """``pred_limb_maps``: (channels, H, W) probabilities in the original image; the logits are resized
        there first and then decoded, as mmseg resizes segmentation logits before their activation."""
        metas = self.metas(data_samples)
        logits = self.forward_at_target(inputs, metas)
        for sample, maps, meta in zip(data_samples, logits, metas):
            sample.pred_limb_maps = PixelData(data=self.decoder.decode(self.to_original_frame(maps, meta)).detach())
