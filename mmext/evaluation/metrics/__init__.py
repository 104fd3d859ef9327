from .multitask_metric import MultiTaskMetric, keypoint_box_size, mask_box_size
from .per_image_iou import PerImageIoUMetric

__all__ = ['MultiTaskMetric', 'PerImageIoUMetric', 'keypoint_box_size', 'mask_box_size']
