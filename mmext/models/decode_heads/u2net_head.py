# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Parameter-free decode head of U^2-Net: picks the fused output and applies the deep-supervision loss."""

from typing import List, Optional, Sequence, Union

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class U2NetHead(BaseDecodeHead):
    """Head for the :class:`~mmext.models.backbones.U2Net` backbone, whose outputs are already logits.

    The backbone returns ``[d0, d1, ..., d6]`` (fused output first, then the six side outputs), each with
    ``num_classes`` channels at the input size. ``forward`` returns d0, which ``predict`` (and
    ``mode='tensor'``) uses, as the official inference does.

    Deep supervision: ``loss`` applies every configured ``loss_decode`` (default CrossEntropyLoss) to each
    of d0..d6 with weight 1 (the loss modules' own ``loss_weight`` aside), as the original U^2-Net and the
    cloth-segmentation training sum the unweighted losses of all seven outputs. Each output's loss is a
    separate entry named ``<loss_name>_d<i>`` (``loss_ce_d0`` ... ``loss_ce_d6``; the segmentor prefixes
    them with ``decode.``), which mmengine sums into the training loss; ``acc_seg`` is measured on d0.

    The head has no parameters: :class:`BaseDecodeHead` always builds a 1x1 classifier ``conv_seg`` (and a
    dropout), which here would never be used -- it would add parameters the official model does not have
    and, unused in the forward pass, make DistributedDataParallel fail unless ``find_unused_parameters``
    is set. Both are deleted right after ``BaseDecodeHead.__init__``, and ``init_cfg`` defaults to None
    because the base class's default initialises ``conv_seg``.

    Args:
        num_classes: classes of the backbone's outputs.
        in_channels: channels of the backbone's outputs; defaults to ``num_classes`` (must equal it).
        channels: unused (required by BaseDecodeHead); defaults to ``num_classes``.
        side_loss_weights: extra factor per output d0..d6; all 1 by default, as in the original.
        **kwargs: other :class:`BaseDecodeHead` arguments (``loss_decode``, ``ignore_index``, ``sampler``,
            ``align_corners``, ...).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: Optional[int] = None,
        channels: Optional[int] = None,
        side_loss_weights: Sequence[float] = (1.0,) * 7,
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        in_channels = num_classes if in_channels is None else in_channels
        channels = num_classes if channels is None else channels
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(in_channels, channels, num_classes=num_classes, init_cfg=init_cfg, **kwargs)
        if self.in_channels != self.out_channels:
            raise ValueError(
                f'U2NetHead adds no layers: in_channels ({self.in_channels}) must equal the '
                f'number of output channels ({self.out_channels}) -- set the backbone\'s '
                'num_classes accordingly'
            )
        if len(side_loss_weights) != 7:
            raise ValueError(f'side_loss_weights needs 7 entries (d0..d6), got {len(side_loss_weights)}')
        self.side_loss_weights = [float(w) for w in side_loss_weights]
        del self.conv_seg  # see the class docstring: no parameters beyond the backbone's
        self.dropout = None

    def cls_seg(self, feat: Tensor) -> Tensor:
        raise RuntimeError('U2NetHead has no classifier: the backbone outputs are already logits')

    @staticmethod
    def _as_list(inputs: Union[Tensor, Sequence[Tensor]]) -> List[Tensor]:
        return [inputs] if isinstance(inputs, Tensor) else list(inputs)

    def forward(self, inputs: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Return the fused output d0 (the first input)."""
        return self._as_list(inputs)[0]

    def loss(self, inputs: Sequence[Tensor], batch_data_samples, train_cfg) -> dict:
        return self.loss_by_feat(self._as_list(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: Union[Tensor, Sequence[Tensor]], batch_data_samples) -> dict:
        """Deep-supervision loss over all outputs; a single tensor is treated as d0 alone."""
        outputs = self._as_list(seg_logits)
        if len(outputs) > len(self.side_loss_weights):
            raise ValueError(f'U2NetHead expects at most {len(self.side_loss_weights)} outputs, got {len(outputs)}')
        seg_label = self._stack_batch_gt(batch_data_samples)
        losses_decode = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        losses = dict()
        for i, (logits, side_weight) in enumerate(zip(outputs, self.side_loss_weights)):
            logits = resize(logits, size=seg_label.shape[2:], mode='bilinear', align_corners=self.align_corners)
            seg_weight = self.sampler.sample(logits, seg_label) if self.sampler is not None else None
            label = seg_label.squeeze(1)
            for loss_decode in losses_decode:
                name = f'{loss_decode.loss_name}_d{i}'
                value = side_weight * loss_decode(logits, label, weight=seg_weight, ignore_index=self.ignore_index)
                losses[name] = losses[name] + value if name in losses else value
            if i == 0:
                losses['acc_seg'] = accuracy(logits, label, ignore_index=self.ignore_index)
        return losses
