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
    are stored at 0 or -1); missing joints get coordinates (0, 0).

    Returns:
        keypoints (1, 18, 2) float32 in image pixels and keypoints_visible (1, 18) float32 in {0, 1}.

    Raises:
        DatasetError: unreadable file, malformed content or non-finite coordinates.
    """
    try:
        with open(path, 'rb') as f:
            content = json.loads(f.read())
    except FileNotFoundError:
        raise DatasetError(path, 'keypoint file is missing') from None
    except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DatasetError(path, f'unreadable keypoint JSON ({e})') from None
    joints = content.get('keypoints') if isinstance(content, dict) else None
    if not isinstance(joints, list) or len(joints) != NUM_KEYPOINTS:
        raise DatasetError(path, f'expected {{"keypoints": [...]}} with {NUM_KEYPOINTS} joints')
    coords = np.zeros((NUM_KEYPOINTS, 2), dtype=np.float64)
    for i, joint in enumerate(joints):
        if (not isinstance(joint, list) or len(joint) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in joint[:2])):
            raise DatasetError(path, f'joint {i} is not [x, y, score, id]: {joint!r}')
        if not (math.isfinite(joint[0]) and math.isfinite(joint[1])):
            raise DatasetError(path, f'joint {i} has a non-finite coordinate: {joint[:2]}')
        coords[i] = joint[:2]
    visible = (coords[:, 0] > 1) & (coords[:, 1] > 1)
    frame_w, frame_h = KEYPOINT_FRAME_WH
    height, width = image_hw
    scaled = coords * np.array([width / frame_w, height / frame_h])
    scaled[~visible] = 0
    return scaled[None].astype(np.float32), visible[None].astype(np.float32)
