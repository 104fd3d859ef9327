from .multitask_metric import MultiTaskMetric, keypoint_box_size, mask_box_size

__all__ = ['MultiTaskMetric', 'keypoint_box_size', 'mask_box_size']
