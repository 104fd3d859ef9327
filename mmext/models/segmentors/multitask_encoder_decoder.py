# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""One backbone, a segmentation head and any number of auxiliary task heads trained next to it."""

from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import add_prefix
from torch import Tensor

from .postprocess import PostProcessMixin


@MODELS.register_module()
class MultiTaskEncoderDecoder(PostProcessMixin, EncoderDecoder):
    """``EncoderDecoder`` with auxiliary task heads (landmarks, skeleton, depth, ...).

    The auxiliary heads only add training losses (``aux_<name>.<loss>``, each weighted by its head's
    ``loss_weight``). ``mode='tensor'`` and ``mode='predict'`` are exactly the segmentation model's, so
    inference costs what the seg-only model costs -- unless ``test_cfg.aux_predict`` names heads whose
    predictions an evaluation needs (e.g. ``('landmarks',)`` for PCK); segmentation outputs stay the same.
    Test-time post-processing steps of the segmentation (``postprocess=[...]``, see :class:`PostProcessMixin`)
    refine ``pred_sem_seg`` / ``seg_logits`` only; the auxiliary heads predict from the network's features.

    Args:
        aux_task_heads: name -> head config, e.g. ``dict(landmarks=dict(type='LandmarkHeatmapHead', ...))``.
        **kwargs: :class:`PostProcessMixin` (``postprocess``, ``postprocess_channel_order``) and
            :class:`EncoderDecoder` arguments.
    """

    def __init__(self, *args, aux_task_heads: Optional[Dict[str, dict]] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.aux_task_heads = nn.ModuleDict({name: MODELS.build(cfg) for name, cfg in (aux_task_heads or {}).items()})
        unknown = set(self._aux_predict_names()) - set(self.aux_task_heads)
        if unknown:
            raise ValueError(
                f'test_cfg.aux_predict names heads {sorted(unknown)} that are not in aux_task_heads '
                f'{sorted(self.aux_task_heads)}'
            )

    def _aux_predict_names(self) -> Sequence[str]:
        return tuple((self.test_cfg or {}).get('aux_predict', ()))

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> dict:
        features = self.extract_feat(inputs)
        losses = dict()
        losses.update(self._decode_head_forward_train(features, data_samples))
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(features, data_samples))
        for name, head in self.aux_task_heads.items():
            losses.update(add_prefix(head.loss(features, data_samples), f'aux_{name}'))
        return losses

    def predict(self, inputs: Tensor, data_samples: Optional[List[SegDataSample]] = None) -> List[SegDataSample]:
        names = self._aux_predict_names()
        if not names:
            return super().predict(inputs, data_samples)
        if data_samples is None:  # as EncoderDecoder.predict: the inputs are the whole, unpadded images
            data_samples = []
            for _ in range(inputs.shape[0]):
                sample = SegDataSample()
                sample.set_metainfo(
                    dict(
                        ori_shape=tuple(inputs.shape[2:]),
                        img_shape=tuple(inputs.shape[2:]),
                        pad_shape=tuple(inputs.shape[2:]),
                        padding_size=[0, 0, 0, 0],
                    )
                )
                data_samples.append(sample)
        metas = [sample.metainfo for sample in data_samples]
        features = self.extract_feat(inputs)
        if self.test_cfg.get('mode', 'whole') == 'whole':
            # whole_inference on the shared features, so refined as inference() refines
            seg_logits = self.apply_postprocess(self.decode_head.predict(features, metas, self.test_cfg), inputs)
        else:  # segmentation keeps its own test mode ('slide'); the auxiliary heads see the whole image
            seg_logits = self.inference(inputs, metas)
        results = self.postprocess_result(seg_logits, data_samples)
        for name in names:
            self.aux_task_heads[name].predict(features, results)
        return results
