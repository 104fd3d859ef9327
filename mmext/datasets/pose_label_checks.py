# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""How well pseudo-label keypoints agree with human parsing labels (CCP's 59 labels).

For every visible joint: is it on person pixels (any non-null label within ``radius`` pixels)? For wrists:
on an arm, a hand or a sleeve; for ankles: on a leg or a shoe (again within ``radius``); for hips: how far
from the waist line, the boundary between upper-body and lower-body garments, as a share of the person's
height. Used by ``tools/dataset_converters/annotate_pose.py``.
"""

from collections import defaultdict
from typing import Dict, List, Optional

import cv2
import numpy as np

from ..structures import COCO18_KEYPOINT_NAMES
from .clothing_meta import CLOTHING4_LOWER, CLOTHING4_UPPER, CLOTHING4_WHOLE

CCP_SKIN = 41
# Labels a wrist may lie on: skin, hand-worn items and every garment that has (or may have) sleeves.
CCP_WRIST_LABELS = frozenset((CCP_SKIN, 9, 18, 34, 57, 10, 35) + CLOTHING4_UPPER + CLOTHING4_WHOLE)
# Labels an ankle may lie on: skin, footwear, hosiery, long trousers and whole-body garments.
CCP_ANKLE_LABELS = frozenset((CCP_SKIN, 7, 12, 16, 21, 28, 32, 36, 39, 43, 58, 44, 45, 53, 27, 25, 31, 14, 35))
CCP_WAIST_UPPER = frozenset(CLOTHING4_UPPER + (3,))  # belt counts as the top of the lower half's boundary
CCP_WAIST_LOWER = frozenset(CLOTHING4_LOWER)

WRISTS = (COCO18_KEYPOINT_NAMES.index('r_wrist'), COCO18_KEYPOINT_NAMES.index('l_wrist'))
ANKLES = (COCO18_KEYPOINT_NAMES.index('r_ankle'), COCO18_KEYPOINT_NAMES.index('l_ankle'))
HIPS = (COCO18_KEYPOINT_NAMES.index('r_hip'), COCO18_KEYPOINT_NAMES.index('l_hip'))


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


class PoseLabelAgreement:
    """Accumulates per-joint agreement of keypoints with label maps over a data set.

    Args:
        radius: pixels around a joint searched for the expected labels (labels are drawn along garment
            edges and joints sit on limb axes, so an exact-pixel test would punish correct joints).
        ccp_labels: the label maps hold CCP's 59 labels (wrist / ankle / waist checks); otherwise only the
            person check (label > 0) is made.
    """

    def __init__(self, radius: int = 8, ccp_labels: bool = True):
        self.radius = radius
        self.ccp_labels = ccp_labels
        self.counts: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.hip_to_waist: List[float] = []

    def add(self, labels: np.ndarray, keypoints: np.ndarray, visible: np.ndarray) -> None:
        """One photo: (H, W) label map, (K, 2) joints in its pixels, (K,) visibility."""
        height, width = labels.shape
        near = dict(on_person=self._near(labels > 0))
        waist_distance = None
        if self.ccp_labels:
            near['on_arm_hand_or_sleeve'] = self._near(np.isin(labels, list(CCP_WRIST_LABELS)))
            near['on_leg_or_shoe'] = self._near(np.isin(labels, list(CCP_ANKLE_LABELS)))
            waist_distance = self._waist_distance(labels)
        person_rows = np.nonzero((labels > 0).any(axis=1))[0]
        person_height = float(person_rows[-1] - person_rows[0] + 1) if len(person_rows) else float(height)
        for joint, name in enumerate(COCO18_KEYPOINT_NAMES):
            counts = self.counts[name]
            counts['photos'] += 1
            x, y = int(keypoints[joint, 0]), int(keypoints[joint, 1])
            if not visible[joint] or not (0 <= x < width and 0 <= y < height):
                continue
            counts['visible'] += 1
            counts['on_person'] += int(near['on_person'][y, x])
            if joint in WRISTS and self.ccp_labels:
                counts['on_arm_hand_or_sleeve'] += int(near['on_arm_hand_or_sleeve'][y, x])
            elif joint in ANKLES and self.ccp_labels:
                counts['on_leg_or_shoe'] += int(near['on_leg_or_shoe'][y, x])
            elif joint in HIPS and waist_distance is not None:
                self.hip_to_waist.append(float(waist_distance[y, x]) / person_height)

    def _near(self, mask: np.ndarray) -> np.ndarray:
        return cv2.dilate(mask.astype(np.uint8), _disc(self.radius)) > 0

    @staticmethod
    def _waist_distance(labels: np.ndarray) -> Optional[np.ndarray]:
        """Distance (pixels) of every pixel to the nearest upper/lower garment boundary; None without one."""
        upper = np.isin(labels, list(CCP_WAIST_UPPER)).astype(np.uint8)
        lower = np.isin(labels, list(CCP_WAIST_LOWER)).astype(np.uint8)
        boundary = cv2.dilate(upper, _disc(1)) & lower
        if not boundary.any():
            return None
        return cv2.distanceTransform((boundary == 0).astype(np.uint8), cv2.DIST_L2, 5)

    def summary(self) -> Dict[str, dict]:
        """Per joint: visible share of photos, and each check's share of the visible joints (percent)."""
        report = {}
        for name in COCO18_KEYPOINT_NAMES:
            counts = self.counts.get(name)
            if not counts or not counts['photos']:
                continue
            visible = counts['visible']
            row = dict(photos=counts['photos'], visible=visible, visible_pct=round(100 * visible / counts['photos'], 1))
            for check in ('on_person', 'on_arm_hand_or_sleeve', 'on_leg_or_shoe'):
                if check in counts and visible:
                    row[f'{check}_pct'] = round(100 * counts[check] / visible, 1)
            report[name] = row
        if self.hip_to_waist:
            distances = np.array(self.hip_to_waist)
            report['hips_to_waist_line'] = dict(
                hips=len(distances),
                median_pct_of_person_height=round(100 * float(np.median(distances)), 1),
                within_5pct=round(100 * float((distances <= 0.05).mean()), 1),
                within_10pct=round(100 * float((distances <= 0.10).mean()), 1),
            )
        return report


class VisibilityCalibration:
    """On-person share of BlazePose-style joints per bin of the estimator's score, all joints included
    (those under any threshold and outside the photo too) -- the data behind a visibility threshold."""

    def __init__(self, radius: int = 8, edges=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)):
        self.radius = radius
        self.edges = np.asarray(edges)
        self.total = np.zeros(len(edges) - 1, np.int64)
        self.on_person = np.zeros(len(edges) - 1, np.int64)

    def add(self, labels: np.ndarray, keypoints: np.ndarray, scores: np.ndarray) -> None:
        person = cv2.dilate((labels > 0).astype(np.uint8), _disc(self.radius)) > 0
        height, width = labels.shape
        for (x, y), score in zip(keypoints, scores):
            b = int(np.clip(np.searchsorted(self.edges, score, side='right') - 1, 0, len(self.total) - 1))
            self.total[b] += 1
            inside = 0 <= x < width and 0 <= y < height
            self.on_person[b] += int(inside and person[int(y), int(x)])

    def summary(self) -> List[dict]:
        return [
            dict(
                score_from=float(lo),
                score_to=float(min(hi, 1.0)),
                joints=int(n),
                on_person_pct=round(100 * float(k) / n, 1) if n else None,
            )
            for lo, hi, n, k in zip(self.edges[:-1], self.edges[1:], self.total, self.on_person)
        ]
