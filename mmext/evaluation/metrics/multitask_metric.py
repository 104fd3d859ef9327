"""One evaluator for segmentation, grouped classes, landmarks and depth."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ...models.losses import align_scale_shift


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
class MultiTaskMetric(BaseMetric):
    """mIoU and per-class IoU, IoU of class groups, landmark PCK and depth errors, in one pass.

    - Segmentation: mmseg's intersection/union counts over the data set (``mIoU``, ``IoU.<class>``,
      ``aAcc``).
    - Groups: each group of class indices is merged into one class in prediction and truth
      (``gIoU.<group>``), e.g. Dress Code's 18 classes into upper / lower / whole / person / background.
    - Landmarks (when the model predicts ``pred_landmarks``): ``PCK@<thr>`` with mmpose's
      ``keypoint_pck_accuracy`` over visible ground-truth joints, distances normalised by the longer side
      of the person box in the original image: the bounding box of the ground-truth pixels of the
      ``person`` class group when there is one (Dress Code parsing / person modes), else of the visible
      ground-truth joints. Also
      ``PCK@<thr>_mean_pose``: the same for a mean-pose predictor that places every joint at its mean
      position (relative to the image size) over the training split (``mean_pose_dataset``), the floor a
      landmark head must beat. Without ``mean_pose_dataset`` the mean is taken over the evaluated images
      themselves -- an oracle that has seen the test labels -- and reported as ``PCK@<thr>_mean_pose_oracle``.
    - Depth (when the model predicts ``pred_depth``): ``AbsRel`` and ``delta1`` (ratio < 1.25) on
      relative inverse depth after per-image least-squares scale-and-shift alignment, over pixels whose
      target exceeds ``depth_min`` (the range is [0, 1] per image).

    Args:
        class_groups: group name -> class indices.
        mean_pose_dataset: config of the training split (any dataset whose data infos carry
            ``keypoints_path``) for the mean-pose floor; None: the oracle floor described above.
        pck_thresholds: PCK thresholds.
        depth_min: depth pixels at or below this value are not evaluated.
        ignore_index: label ignored in segmentation.
    """

    def __init__(self,
                 class_groups: Optional[Dict[str, Sequence[int]]] = None,
                 mean_pose_dataset: Optional[dict] = None,
                 pck_thresholds: Sequence[float] = (0.05, 0.1),
                 depth_min: float = 0.05,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.class_groups = {name: list(ids) for name, ids in (class_groups or {}).items()}
        self.pck_thresholds = tuple(pck_thresholds)
        self.depth_min = depth_min
        self.ignore_index = ignore_index
        self.mean_pose_dataset = mean_pose_dataset
        self._train_mean_pose: Optional[np.ndarray] = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze().cpu()
            label = sample['gt_sem_seg']['data'].squeeze().to(pred).cpu()
            result = dict(seg=IoUMetric.intersect_and_union(pred, label, num_classes, self.ignore_index))
            valid = label != self.ignore_index
            result['groups'] = {
                name: self._group_counts(pred, label, valid, ids) for name, ids in self.class_groups.items()
            }
            if 'pred_landmarks' in sample and 'gt_landmarks' in sample:
                gt = sample['gt_landmarks']
                keypoints = gt['ori_keypoints'][0].cpu().numpy()
                visible = gt['ori_keypoints_visible'][0].cpu().numpy()
                if 'person' in self.class_groups:
                    box = mask_box_size(torch.isin(label, torch.tensor(self.class_groups['person'])) & valid)
                else:
                    box = keypoint_box_size(keypoints, visible)
                result['landmarks'] = dict(
                    pred=sample['pred_landmarks']['keypoints'][0].cpu().numpy(), gt=keypoints, visible=visible,
                    box_size=box, image_wh=np.array(sample['ori_shape'][::-1], np.float32))
            if 'pred_depth' in sample and 'gt_depth' in sample:
                result['depth'] = self._depth_errors(sample['pred_depth']['data'][0].cpu(),
                                                     sample['gt_depth']['data'][0].cpu())
            self.results.append(result)

    @staticmethod
    def _group_counts(pred: torch.Tensor, label: torch.Tensor, valid: torch.Tensor, ids: List[int]) -> tuple:
        in_pred = torch.isin(pred, torch.tensor(ids)) & valid
        in_label = torch.isin(label, torch.tensor(ids)) & valid
        return int((in_pred & in_label).sum()), int((in_pred | in_label).sum())

    def _depth_errors(self, pred: torch.Tensor, target: torch.Tensor) -> tuple:
        mask = target > self.depth_min
        scale, shift = align_scale_shift(pred[None].double(), target[None].double(), mask[None])
        aligned = (scale[0] * pred.double() + shift[0]).clamp(min=1e-6)
        t = target.double()[mask]
        a = aligned[mask]
        ratio = torch.maximum(a / t, t / a)
        return float(((a - t).abs() / t).sum()), float((ratio < 1.25).sum()), int(mask.sum())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        classes = self.dataset_meta['classes']
        inter, union, pred_area, label_area = (sum(r['seg'][i] for r in results) for i in range(4))
        iou = (inter / union).numpy()
        metrics = OrderedDict(aAcc=float(inter.sum() / label_area.sum()) * 100, mIoU=float(np.nanmean(iou)) * 100)
        for name, value in zip(classes, iou):
            metrics[f'IoU.{name}'] = float(value) * 100
        for group in self.class_groups:
            g_inter = sum(r['groups'][group][0] for r in results)
            g_union = sum(r['groups'][group][1] for r in results)
            metrics[f'gIoU.{group}'] = 100.0 * g_inter / g_union if g_union else float('nan')

        landmarks = [r['landmarks'] for r in results if 'landmarks' in r]
        if landmarks:
            metrics.update(self._pck(landmarks))
        depth = [r['depth'] for r in results if 'depth' in r]
        if depth:
            abs_rel, within, count = (sum(d[i] for d in depth) for i in range(3))
            metrics['AbsRel'] = abs_rel / max(count, 1)
            metrics['delta1'] = 100.0 * within / max(count, 1)
        self._log_table(logger, metrics, classes)
        return dict(metrics)

    def _pck(self, landmarks: List[dict]) -> Dict[str, float]:
        gt = np.stack([lm['gt'] for lm in landmarks])
        pred = np.stack([lm['pred'] for lm in landmarks])
        visible = np.stack([lm['visible'] for lm in landmarks]) > 0
        sizes = np.array([lm['box_size'] for lm in landmarks], np.float32)
        usable = sizes > 0
        visible &= usable[:, None]
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
        for thr in self.pck_thresholds:
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

    @staticmethod
    def _log_table(logger, metrics: Dict[str, float], classes: Sequence[str]) -> None:
        table = PrettyTable(field_names=['metric', 'value'])
        for key, value in metrics.items():
            if not key.startswith('IoU.'):
                table.add_row([key, f'{value:.2f}'])
        per_class = PrettyTable(field_names=['class', 'IoU'])
        for name in classes:
            per_class.add_row([name, f'{metrics[f"IoU.{name}"]:.2f}'])
        logger.info('\n' + per_class.get_string() + '\n' + table.get_string())
