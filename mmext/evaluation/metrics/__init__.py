from .multitask_metric import MultiTaskMetric, keypoint_box_size, mask_box_size
from .per_image_iou import PerImageIoUMetric
from .save_predictions import SavePredictions

__all__ = ['MultiTaskMetric', 'PerImageIoUMetric', 'SavePredictions', 'keypoint_box_size', 'mask_box_size']
