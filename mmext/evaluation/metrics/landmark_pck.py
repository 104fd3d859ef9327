# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Landmark PCK (``PCK@<thr>``) with a mean-pose floor, normalised by a person size named in the config."""

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmseg.registry import METRICS

NORMALIZERS = ('person_mask', 'keypoint_box')


def keypoint_box_size(keypoints: np.ndarray, visible: np.ndarray) -> float:
    """Longer side of the box around the visible joints (0 if fewer than 2)."""
    points = keypoints[visible > 0]
    if len(points) < 2:
        return 0.0
    return float((points.max(0) - points.min(0)).max())


def mask_box_size(mask: torch.Tensor) -> float:
    """Longer side of the bounding box of a boolean (H, W) mask (0 if empty)."""
    rows = torch.nonzero(mask.any(dim=1))
    cols = torch.nonzero(mask.any(dim=0))
    if len(rows) == 0:
        return 0.0
    return float(max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))


@METRICS.register_module()
class LandmarkPCKMetric(BaseMetric):
    """``PCK@<thr>`` of the model's ``pred_landmarks``: mmpose's ``keypoint_pck_accuracy`` over the visible
    ground-truth joints, in the original image, distances divided by the longer side of a person box chosen by
    ``normalize``:

    - ``'person_mask'``: the bounding box of the ground-truth pixels of ``person_classes`` (labels that mark
      the whole person, e.g. every non-background class of Dress Code parsing);
    - ``'keypoint_box'``: the box of the visible ground-truth joints (labels without a person class).

    Images whose box is empty (or has fewer than 2 visible joints) are not counted.

    Also ``PCK@<thr>_mean_pose``: the same for a mean-pose predictor that places every joint at its mean
    position (relative to the image size) over the training split (``mean_pose_dataset``), the floor a landmark
    head must beat. Without ``mean_pose_dataset`` the mean is taken over the evaluated images themselves -- an
    oracle that has seen the test labels -- and reported as ``PCK@<thr>_mean_pose_oracle``.

    Samples without a landmark prediction are skipped; when none has one (a model without a landmark head)
    nothing is reported, so the metric can sit in a data set's evaluator list shared by every variant.

    Args:
        normalize: ``'person_mask'`` or ``'keypoint_box'``, see above.
        person_classes: class indices of the person mask; required with ``'person_mask'``, refused otherwise.
        thresholds: PCK thresholds.
        mean_pose_dataset: config of the training split (any data set whose data infos carry
            ``keypoints_path``) for the mean-pose floor; None: the oracle floor described above.
        collect_device, prefix: :class:`BaseMetric` arguments.
    """

    def __init__(
        self,
        normalize: str,
        person_classes: Optional[Sequence[int]] = None,
        thresholds: Sequence[float] = (0.05, 0.1),
        mean_pose_dataset: Optional[dict] = None,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if normalize not in NORMALIZERS:
            raise ValueError(f'normalize must be one of {NORMALIZERS}, got {normalize!r}')
        if (normalize == 'person_mask') != (person_classes is not None):
            raise ValueError(
                "person_classes names the person mask's classes: give it with normalize='person_mask' and only then"
            )
        self.normalize = normalize
        self.person_classes = None if person_classes is None else torch.tensor(list(person_classes), dtype=torch.long)
        self.thresholds = tuple(thresholds)
        self.mean_pose_dataset = mean_pose_dataset
        self._train_mean_pose: Optional[np.ndarray] = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_landmarks' not in sample or 'gt_landmarks' not in sample:
                # One entry per sample: collect_results trims distributed padding by counting entries.
                self.results.append(None)
                continue
            gt = sample['gt_landmarks']
            keypoints = gt['ori_keypoints'][0].cpu().numpy()
            visible = gt['ori_keypoints_visible'][0].cpu().numpy()
            if self.person_classes is not None:
                label = sample['gt_sem_seg']['data'].squeeze().cpu().long()
                box = mask_box_size(torch.isin(label, self.person_classes))
            else:
                box = keypoint_box_size(keypoints, visible)
            self.results.append(
                dict(
                    pred=sample['pred_landmarks']['keypoints'][0].cpu().numpy(),
                    gt=keypoints,
                    visible=visible,
                    box_size=box,
                    image_wh=np.array(sample['ori_shape'][::-1], np.float32),
                )
            )

    def compute_metrics(self, results: list) -> Dict[str, float]:
        landmarks: List[dict] = [r for r in results if r is not None]
        if not landmarks:
            return {}
        gt = np.stack([lm['gt'] for lm in landmarks])
        pred = np.stack([lm['pred'] for lm in landmarks])
        visible = np.stack([lm['visible'] for lm in landmarks]) > 0
        sizes = np.array([lm['box_size'] for lm in landmarks], np.float32)
        visible &= (sizes > 0)[:, None]
        norm = np.repeat(np.maximum(sizes, 1e-6)[:, None], 2, axis=1)
        # Mean pose: every joint at its mean position relative to the image size.
        wh = np.stack([lm['image_wh'] for lm in landmarks])[:, None]
        if self.mean_pose_dataset is not None:
            relative, floor = self.train_mean_pose(), 'mean_pose'
        else:
            relative = np.nan_to_num(np.nanmean(np.where(visible[..., None], gt / wh, np.nan), axis=0))
            floor = 'mean_pose_oracle'
        mean_pose = relative * wh
        out = {}
        for thr in self.thresholds:
            out[f'PCK@{thr:g}'] = 100.0 * keypoint_pck_accuracy(pred, gt, visible, thr, norm)[1]
            out[f'PCK@{thr:g}_{floor}'] = 100.0 * keypoint_pck_accuracy(mean_pose, gt, visible, thr, norm)[1]
        return out

    def train_mean_pose(self) -> np.ndarray:
        """(K, 2) mean joint positions relative to the image size over ``mean_pose_dataset`` (cached)."""
        if self._train_mean_pose is None:
            from mmseg.registry import DATASETS

            from ...datasets.keypoints import load_dresscode_keypoints

            dataset = DATASETS.build(dict(self.mean_pose_dataset, pipeline=[]))
            sums, counts = 0.0, 0.0
            for index in range(len(dataset)):
                # Keypoint files are in a frame proportional to the photo: a unit "image" gives relative positions.
                keypoints, visible = load_dresscode_keypoints(dataset.get_data_info(index)['keypoints_path'], (1, 1))
                sums = sums + keypoints[0] * visible[0][:, None]
                counts = counts + visible[0][:, None]
            self._train_mean_pose = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        return self._train_mean_pose
