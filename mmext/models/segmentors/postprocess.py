# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Test-time post-processing of a segmentor's scores: ``PostProcessMixin`` for any mmseg segmentor, and
``PostProcessEncoderDecoder`` (mmseg's ``EncoderDecoder`` with it)."""

from typing import Callable, List, Optional, Sequence

import torch.nn.functional as F
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from torch import Tensor, nn

CHANNEL_ORDERS = ('auto', 'rgb', 'bgr')


def recover_rgb(inputs: Tensor, data_preprocessor: nn.Module, channel_order: str = 'auto') -> Tensor:
    """The un-normalised RGB images (N, 3, H, W), 0..255, behind a data preprocessor's output ``inputs``.

    Undoes ``(x - mean) / std`` of the first three channels (extra channels such as depth are dropped).
    ``channel_order`` is the order of those channels in ``inputs``: 'auto' follows mmseg's convention that
    images are loaded BGR (OpenCV), so they are RGB when the preprocessor converts channels (``bgr_to_rgb``)
    and BGR otherwise; 'rgb' / 'bgr' state it. Padding added by the preprocessor comes back as the mean colour.
    """
    if channel_order not in CHANNEL_ORDERS:
        raise ValueError(f'channel_order must be one of {CHANNEL_ORDERS}, got {channel_order!r}')
    if inputs.size(1) < 3:
        raise ValueError(f'post-processing needs colour inputs (>= 3 channels), got {inputs.size(1)}')
    images = inputs[:, :3].float()
    if getattr(data_preprocessor, '_enable_normalize', False):
        mean = data_preprocessor.mean.view(-1)[:3].to(images).view(1, 3, 1, 1)
        std = data_preprocessor.std.view(-1)[:3].to(images).view(1, 3, 1, 1)
        images = images * std + mean
    if channel_order == 'auto':
        channel_order = 'rgb' if getattr(data_preprocessor, 'channel_conversion', False) else 'bgr'
    return images.flip(1) if channel_order == 'bgr' else images


def build_postprocess_steps(cfgs: Optional[Sequence[dict]]) -> list:
    """Build post-processing steps (configs or already built callables) from mmseg's ``MODELS``."""
    return [MODELS.build(cfg) if isinstance(cfg, dict) else cfg for cfg in (cfgs or [])]


def apply_postprocess_steps(
    steps: Sequence[Callable[[Tensor, Tensor], Tensor]],
    seg_logits: Tensor,
    inputs: Tensor,
    data_preprocessor: nn.Module,
    channel_order: str = 'auto',
    align_corners: bool = False,
) -> Tensor:
    """Run ``steps`` in order on ``seg_logits`` (N, C, H, W) of the preprocessed ``inputs``.

    The scores are first resized to the input size (a whole-mode decode head returns them at ``img_shape``,
    smaller than a padded input); each step gets the images recovered by :func:`recover_rgb`. The one
    implementation of the chain: segmentors and ``tools/analysis_tools/postprocess_effect.py`` call it.
    """
    if not steps:
        return seg_logits
    if seg_logits.size(1) < 2:
        raise ValueError(
            'post-processing steps need softmax scores of >= 2 classes; this model predicts '
            f'{seg_logits.size(1)} channel(s)'
        )
    if seg_logits.shape[2:] != inputs.shape[2:]:
        seg_logits = F.interpolate(seg_logits, size=inputs.shape[2:], mode='bilinear', align_corners=align_corners)
    images = recover_rgb(inputs, data_preprocessor, channel_order)
    for step in steps:
        seg_logits = step(seg_logits, images)
    return seg_logits


class PostProcessMixin:
    """Refines a segmentor's seg logits with post-processing steps at test time; put it before the segmentor
    class, e.g. ``class MySegmentor(PostProcessMixin, EncoderDecoder)``.

    The steps (e.g. ``DenseCRF``, ``RemoveSmallRegions``, ``SuperpixelVote`` of :mod:`mmext.models.postprocess`)
    run in order inside ``inference()`` -- the stage of mmseg's ``predict(): inference() -> postprocess_result()``
    that sees both the preprocessed images and the seg logits at the network input size -- so they run before
    ``postprocess_result`` removes padding, undoes flips and resizes to the original shape, and
    ``pred_sem_seg``, ``seg_logits`` and the evaluation see the refined result (``seg_logits`` then holds the
    last step's log-probabilities). A segmentor whose ``predict`` computes the logits without ``inference()``
    (to share features with other heads) passes them through :meth:`apply_postprocess` itself.

    The steps are plain objects, not submodules: the state dict is the segmentor's own, so checkpoints load
    either way, and ``mode='tensor'`` / ``loss`` are unchanged (training is not affected).

    Args:
        postprocess: step configs, e.g. ``[dict(type='DenseCRF'), dict(type='RemoveSmallRegions', min_area=100)]``.
            They may instead be given as ``test_cfg.postprocess`` (not both); empty: no post-processing.
        postprocess_channel_order: order of the first three input channels after preprocessing ('auto', 'rgb'
            or 'bgr'; see :func:`recover_rgb`).
        **kwargs: the segmentor's arguments.
    """

    def __init__(
        self, *args, postprocess: Optional[List[dict]] = None, postprocess_channel_order: str = 'auto', **kwargs
    ):
        super().__init__(*args, **kwargs)
        from_test_cfg = (self.test_cfg or {}).get('postprocess')
        if postprocess and from_test_cfg:
            raise ValueError(
                'give the post-processing steps either as postprocess or as test_cfg.postprocess, not both'
            )
        if postprocess_channel_order not in CHANNEL_ORDERS:
            raise ValueError(
                f'postprocess_channel_order must be one of {CHANNEL_ORDERS}, got {postprocess_channel_order!r}'
            )
        self.postprocess_channel_order = postprocess_channel_order
        # A plain list: the steps hold no parameters and must not enter the state dict.
        self.postprocess_steps = build_postprocess_steps(postprocess or from_test_cfg)

    def apply_postprocess(self, seg_logits: Tensor, inputs: Tensor) -> Tensor:
        """Run the steps on ``seg_logits`` (N, C, H, W) of the preprocessed ``inputs``."""
        return apply_postprocess_steps(
            self.postprocess_steps,
            seg_logits,
            inputs,
            self.data_preprocessor,
            self.postprocess_channel_order,
            self.align_corners,
        )

    def inference(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """The segmentor's seg logits (slide or whole), refined by the post-processing steps."""
        return self.apply_postprocess(super().inference(inputs, batch_img_metas), inputs)


@MODELS.register_module()
class PostProcessEncoderDecoder(PostProcessMixin, EncoderDecoder):
    """mmseg's ``EncoderDecoder`` with test-time post-processing (:class:`PostProcessMixin`); nothing else differs,
    so the checkpoint of the plain model loads unchanged.

    Example::

        model = dict(type='PostProcessEncoderDecoder', postprocess=[dict(type='DenseCRF', scale=0.5)], ...)
    """
