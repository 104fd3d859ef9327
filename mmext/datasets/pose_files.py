# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Pose files beside any photo: Dress Code-format keypoint JSON and OpenPose-style skeleton images.

Path rule (that of :mod:`mmext.datasets.depth_maps`): the photo's path under the data root with its image
folder replaced by ``keypoints`` (``.json``) or ``skeletons`` (``.jpg``) -- CCP ``photos/0001.jpg`` ->
``keypoints/0001.json`` and ``skeletons/0001.jpg``; EasyPortrait ``images/train/x.jpg`` ->
``keypoints/train/x.json``. Written by ``tools/dataset_converters/annotate_pose.py``.

File format (Dress Code's): ``{"keypoints": [[x, y, score, id], ...]}``, the 18 COCO-18 joints in a
384 x 512 (W x H) frame whatever the photo's size, x scaled by 384 / W and y by 512 / H; a missing joint is
written at (-1, -1) with score 0.
"""

from typing import Tuple

import numpy as np

from .depth_maps import derived_path_for
from .dresscode_meta import KEYPOINT_FRAME_WH

KEYPOINTS_DIR = 'keypoints'
SKELETONS_DIR = 'skeletons'
# Dress Code's loaders read a joint with x <= 1 or y <= 1 as missing: visible joints are kept above that.
_MIN_VISIBLE_FRAME_COORD = 1.01


def keypoints_path_for(photo: str, data_root: str, img_dir: str) -> str:
    return derived_path_for(photo, data_root, img_dir, KEYPOINTS_DIR, '.json')


def skeleton_path_for(photo: str, data_root: str, img_dir: str) -> str:
    return derived_path_for(photo, data_root, img_dir, SKELETONS_DIR, '.jpg')


def dresscode_keypoints_json(
    keypoints: np.ndarray, scores: np.ndarray, visible: np.ndarray, image_hw: Tuple[int, int]
) -> dict:
    """(K, 2) joints in the photo's pixels -> Dress Code's JSON content in the 384 x 512 frame."""
    height, width = image_hw
    frame_w, frame_h = KEYPOINT_FRAME_WH
    rows = []
    for i, ((x, y), score, shown) in enumerate(zip(keypoints, scores, visible)):
        if shown:
            fx = min(max(float(x) * frame_w / width, _MIN_VISIBLE_FRAME_COORD), frame_w)
            fy = min(max(float(y) * frame_h / height, _MIN_VISIBLE_FRAME_COORD), frame_h)
            rows.append([round(fx, 2), round(fy, 2), round(float(score), 4), i])
        else:
            rows.append([-1.0, -1.0, 0.0, i])
    return {'keypoints': rows}
