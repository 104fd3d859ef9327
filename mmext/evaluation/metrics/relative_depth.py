# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Errors of predicted relative inverse depth (``AbsRel``, ``delta1``) after scale-and-shift alignment."""

from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from ...models.losses import align_scale_shift


@METRICS.register_module()
class RelativeDepthMetric(BaseMetric):
    """``AbsRel`` and ``delta1`` (percent of pixels with max(pred / target, target / pred) < 1.25) of the model's
    ``pred_depth`` against ``gt_depth_map``, both relative inverse depth in [0, 1] per image: the prediction is first
    aligned to the target by a per-image least-squares scale and shift, since relative depth (MiDaS targets) has
    neither. Pixels whose target is at or below ``depth_min`` are not evaluated; both errors are pooled over the
    evaluated pixels of the data set.

    Samples without a depth prediction are skipped; when none has one (a model without a depth head) nothing is
    reported, so the metric can sit in a data set's evaluator list shared by every variant.

    Args:
        depth_min: target depth at or below which pixels are left out.
        collect_device, prefix: :class:`BaseMetric` arguments.
    """

    def __init__(self, depth_min: float = 0.05, collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.depth_min = depth_min

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_depth' not in sample or 'gt_depth_map' not in sample:
                # One entry per sample: collect_results trims distributed padding by counting entries.
                self.results.append(None)
                continue
            self.results.append(
                self.depth_errors(sample['pred_depth']['data'][0].cpu(), sample['gt_depth_map']['data'][0].cpu())
            )

    def depth_errors(self, pred: torch.Tensor, target: torch.Tensor) -> tuple:
        """(sum of absolute relative errors, pixels within delta 1.25, evaluated pixels) of one (H, W) image."""
        mask = target > self.depth_min
        scale, shift = align_scale_shift(pred[None].double(), target[None].double(), mask[None])
        aligned = (scale[0] * pred.double() + shift[0]).clamp(min=1e-6)
        t = target.double()[mask]
        a = aligned[mask]
        ratio = torch.maximum(a / t, t / a)
        return float(((a - t).abs() / t).sum()), float((ratio < 1.25).sum()), int(mask.sum())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        errors = [r for r in results if r is not None]
        if not errors:
            return {}
        abs_rel, within, count = (sum(e[i] for e in errors) for i in range(3))
        return dict(AbsRel=abs_rel / max(count, 1), delta1=100.0 * within / max(count, 1))
