# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Reading Dress Code keypoint files (OpenPose COCO-18 in a 384 x 512 frame)."""

import json
import math
from typing import NamedTuple, Tuple

import numpy as np

from .dresscode_meta import KEYPOINT_FRAME_WH, NUM_KEYPOINTS
from .errors import DatasetError


class KeypointFile(NamedTuple):
    """A keypoint file's content: (18, 2) coordinates in the 384 x 512 frame (0 where missing), (18,) bool
    visibility, and how many joints lay outside the frame (read as missing)."""

    frame_xy: np.ndarray
    visible: np.ndarray
    out_of_frame: int

    def in_image(self, image_hw: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
        """(1, 18, 2) float32 joints in the pixels of an image of ``image_hw`` (H, W), (1, 18) float32 visible."""
        height, width = image_hw
        scaled = self.frame_xy * np.array([width / KEYPOINT_FRAME_WH[0], height / KEYPOINT_FRAME_WH[1]])
        return scaled[None].astype(np.float32), self.visible[None].astype(np.float32)


def read_dresscode_keypoints(path: str) -> KeypointFile:
    """Read ``NNNNNN_2.json``: ``{"keypoints": [[x, y, score, id], ...]}`` with 18 joints in a 384 x 512 (W x H)
    frame.

    As in Dress Code's own loader, a joint is visible only when x > 1 and y > 1 (missing joints are stored at
    0 or -1). A joint beyond the frame (x > 384 or y > 512, or below -1, which is neither a position nor the
    missing marker) is read as missing too and counted in ``out_of_frame``: pose estimators place occluded or
    cropped joints slightly outside the photo.

    Raises:
        DatasetError: missing or unreadable file, malformed content, non-finite coordinates.
    """
    try:
        with open(path, 'rb') as f:
            content = json.loads(f.read())
    except FileNotFoundError:
        raise DatasetError(path, 'keypoint file is missing') from None
    except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DatasetError(path, f'unreadable keypoint JSON ({e})') from None
    except RecursionError:
        raise DatasetError(path, 'unreadable keypoint JSON (nested too deeply)') from None
    joints = content.get('keypoints') if isinstance(content, dict) else None
    if not isinstance(joints, list) or len(joints) != NUM_KEYPOINTS:
        raise DatasetError(path, f'expected {{"keypoints": [...]}} with {NUM_KEYPOINTS} joints')
    coords = np.zeros((NUM_KEYPOINTS, 2), dtype=np.float64)
    frame_w, frame_h = KEYPOINT_FRAME_WH
    out_of_frame = 0
    for i, joint in enumerate(joints):
        if (
            not isinstance(joint, list)
            or len(joint) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in joint[:2])
        ):
            raise DatasetError(path, f'joint {i} is not [x, y, score, id]: {_shorten(repr(joint))}')
        try:
            x, y = float(joint[0]), float(joint[1])
        except OverflowError:  # a JSON integer beyond the float range
            raise DatasetError(path, f'joint {i} has a coordinate too large for a float') from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise DatasetError(path, f'joint {i} has a non-finite coordinate: {[x, y]}')
        if -1 <= x <= frame_w and -1 <= y <= frame_h:
            coords[i] = x, y
        else:
            out_of_frame += 1
    visible = (coords[:, 0] > 1) & (coords[:, 1] > 1)
    coords[~visible] = 0
    return KeypointFile(coords, visible, out_of_frame)


def load_dresscode_keypoints(path: str, image_hw: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Read a keypoint file (:func:`read_dresscode_keypoints`) and rescale its joints to an image of size
    ``image_hw`` (H, W): x by W / 384 and y by H / 512.

    Returns:
        keypoints (1, 18, 2) float32 in image pixels (missing joints at 0) and keypoints_visible (1, 18)
        float32 in {0, 1}.
    """
    return read_dresscode_keypoints(path).in_image(image_hw)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + '...'
