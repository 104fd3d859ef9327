"""Reading Dress Code keypoint files (OpenPose COCO-18 in a 384 x 512 frame)."""
import json
import math
from typing import Tuple

import numpy as np

from .dresscode_meta import KEYPOINT_FRAME_WH, NUM_KEYPOINTS
from .errors import DatasetError


def load_dresscode_keypoints(path: str, image_hw: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Read ``NNNNNN_2.json`` and rescale its keypoints to an image of size ``image_hw`` (H, W).

    The file holds ``{"keypoints": [[x, y, score, id], ...]}`` with 18 joints in a 384 x 512 (W x H)
    frame. As in Dress Code's own loader, a joint is visible only when x > 1 and y > 1 (missing joints
    are stored at 0 or -1); missing joints get coordinates (0, 0). A coordinate beyond the frame (above 384 /
    512, or below -1, which is neither a position nor the missing marker) means the file is wrong, not that
    the joint is hidden, so it is an error.

    Returns:
        keypoints (1, 18, 2) float32 in image pixels and keypoints_visible (1, 18) float32 in {0, 1}.

    Raises:
        DatasetError: missing or unreadable file, malformed content, non-finite or out-of-frame coordinates.
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
    for i, joint in enumerate(joints):
        if (not isinstance(joint, list) or len(joint) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in joint[:2])):
            raise DatasetError(path, f'joint {i} is not [x, y, score, id]: {_shorten(repr(joint))}')
        try:
            x, y = float(joint[0]), float(joint[1])
        except OverflowError:  # a JSON integer beyond the float range
            raise DatasetError(path, f'joint {i} has a coordinate too large for a float') from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise DatasetError(path, f'joint {i} has a non-finite coordinate: {[x, y]}')
        if not (-1 <= x <= frame_w and -1 <= y <= frame_h):
            raise DatasetError(path, f'joint {i} at {[x, y]} lies outside the {frame_w} x {frame_h} keypoint frame')
        coords[i] = x, y
    visible = (coords[:, 0] > 1) & (coords[:, 1] > 1)
    height, width = image_hw
    scaled = coords * np.array([width / frame_w, height / frame_h])
    scaled[~visible] = 0
    return scaled[None].astype(np.float32), visible[None].astype(np.float32)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + '...'
