"""Loading transforms for Dress Code annotations beyond the label map."""
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ..keypoints import load_dresscode_keypoints


@TRANSFORMS.register_module()
class LoadDressCodeKeypoints(BaseTransform):
    """Load ``keypoints_path`` and rescale the joints to the loaded image.

    Required keys: ``keypoints_path``, ``ori_shape`` (run after ``LoadImageFromFile``).
    Added keys: ``keypoints`` (1, 18, 2) float32 pixels, ``keypoints_visible`` (1, 18) float32 -- the
    mmpose layout (one instance), so mmpose codecs can encode them.
    """

    def transform(self, results: dict) -> dict:
        keypoints, visible = load_dresscode_keypoints(results['keypoints_path'], results['ori_shape'][:2])
        results['keypoints'] = keypoints
        results['keypoints_visible'] = visible
        return results
