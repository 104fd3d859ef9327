# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""BlazePose (MediaPipe Pose, full model) as a pose provider, mapped to Dress Code's COCO-18 joints.

The models ship inside the mediapipe 0.10.14 wheel (``modules/pose_detection/pose_detection.tflite``,
``modules/pose_landmark/pose_landmark_full.tflite``), so it runs with no network. ``model_complexity=2``
(the heavy model) is not in the wheel and would be downloaded: refused.
"""

from typing import Optional, Tuple

import numpy as np
from mmseg.registry import MODELS

from .base import PoseEstimate, PoseProvider
from .mediapipe_runtime import import_mediapipe

# COCO-18 (OpenPose) joint -> BlazePose landmark; None for the neck, the midpoint of the shoulders. Both use
# the person's own left and right.
BLAZEPOSE_TO_COCO18: Tuple[Optional[int], ...] = (
    0,  # nose
    None,  # neck = midpoint of left (11) and right (12) shoulder
    12,
    14,
    16,  # r_shoulder, r_elbow, r_wrist
    11,
    13,
    15,  # l_shoulder, l_elbow, l_wrist
    24,
    26,
    28,  # r_hip, r_knee, r_ankle
    23,
    25,
    27,  # l_hip, l_knee, l_ankle
    5,
    2,  # r_eye, l_eye
    8,
    7,  # r_ear, l_ear
)
NECK_FROM = (11, 12)

# Chosen from CCP's human labels (projects/ccp_pose_aux/results_blazepose_on_ccp.json): BlazePose places its
# landmarks on (8-px dilated) person pixels at every visibility -- 94.6 % or more in each 0.1-wide bin -- so
# visibility says whether a joint is seen, not whether it is well placed. 0.5, MediaPipe's own cut, makes an
# occluded joint missing, as OpenPose (Dress Code's keypoints) does; 90.8-100 % of each joint stays visible.
DEFAULT_VISIBILITY_THRESHOLD = 0.5


def coco18_from_landmarks(
    landmarks: np.ndarray, image_hw: Tuple[int, int], visibility_threshold: float
) -> PoseEstimate:
    """(33, 3) BlazePose landmarks (x, y normalised to the photo, visibility) -> COCO-18 joints in pixels.

    A joint is visible when its visibility reaches ``visibility_threshold`` and it lies inside the photo;
    the neck is visible only when both shoulders are.
    """
    height, width = image_hw
    points = landmarks[:, :2] * np.array([width, height], dtype=np.float64)
    scores = landmarks[:, 2].astype(np.float64)
    keypoints = np.zeros((len(BLAZEPOSE_TO_COCO18), 2))
    joint_scores = np.zeros(len(BLAZEPOSE_TO_COCO18))
    visible = np.zeros(len(BLAZEPOSE_TO_COCO18), bool)
    inside = (points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)
    confident = inside & (scores >= visibility_threshold)
    for joint, landmark in enumerate(BLAZEPOSE_TO_COCO18):
        if landmark is None:
            a, b = NECK_FROM
            keypoints[joint] = (points[a] + points[b]) / 2
            joint_scores[joint] = min(scores[a], scores[b])
            visible[joint] = confident[a] and confident[b]
        else:
            keypoints[joint] = points[landmark]
            joint_scores[joint] = scores[landmark]
            visible[joint] = confident[landmark]
    return PoseEstimate(keypoints.astype(np.float32), joint_scores.astype(np.float32), visible)


@MODELS.register_module()
class BlazePose(PoseProvider):
    """MediaPipe's BlazePose on single photos (``static_image_mode``), one person per photo.

    Args:
        visibility_threshold: a joint under this landmark visibility is missing.
        model_complexity: 0 (lite) or 1 (full); both ship in the mediapipe 0.10.14 wheel.
        min_detection_confidence: the person detector's threshold; below it the photo has no pose.
    """

    def __init__(
        self,
        visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
    ):
        if model_complexity not in (0, 1):
            raise ValueError(
                f'model_complexity={model_complexity}: only 0 and 1 ship in the mediapipe wheel (2 would be downloaded)'
            )
        self.visibility_threshold = float(visibility_threshold)
        self.model_complexity = model_complexity
        self.min_detection_confidence = min_detection_confidence
        self._pose = None

    def _estimator(self):
        if self._pose is None:
            mp = import_mediapipe()
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=True,
                model_complexity=self.model_complexity,
                min_detection_confidence=self.min_detection_confidence,
            )
        return self._pose

    def landmarks(self, image: np.ndarray) -> Optional[np.ndarray]:
        """BlazePose's raw (33, 3) landmarks (x, y normalised, visibility) of an RGB photo, or None."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f'BlazePose needs an RGB uint8 (H, W, 3) photo, got {image.dtype} {image.shape}')
        result = self._estimator().process(np.ascontiguousarray(image))
        if result.pose_landmarks is None:
            return None
        return np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], np.float64)

    def estimate_one(self, image: np.ndarray) -> Optional[PoseEstimate]:
        landmarks = self.landmarks(image)
        if landmarks is None:
            return None
        return coco18_from_landmarks(landmarks, image.shape[:2], self.visibility_threshold)

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __getstate__(self) -> dict:  # data loader workers build their own graph
        return dict(self.__dict__, _pose=None)
