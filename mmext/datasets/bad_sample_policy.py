# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""``on_bad_sample``: what every mmext dataset does with a bad file -- stop with its path and problem, or skip it.

Where each fault is caught (see docs/bad_data.md for the full table):

- index time (``load_data_list``, when the dataset is built): a missing or empty split/pair list, a
  malformed or duplicated line in it, a listed photo or label map that does not exist;
- load time (``prepare_data``, when a sample is read): unreadable, empty or truncated photos and label maps,
  label maps of another size than the photo, with several channels or with values outside the classes (other
  than the ignore index), missing or malformed keypoint JSON, NaN or out-of-frame keypoints, and every other
  :class:`DatasetError` a loading transform raises.

Policy ``'error'`` (default) raises the :class:`DatasetError`. Policy ``'skip'`` records the file in a
:class:`BadSampleLog` (logged once, counted across DataLoader workers) and goes on: at index time the sample is
left out of the data list; at load time ``prepare_data`` returns None, so mmengine's ``BaseDataset.__getitem__``
draws another index (up to ``max_refetch`` times). A dataset used for evaluation (``test_mode=True``, or in the
val / test loop: ``BadSampleHook`` marks those) instead takes the next readable sample in order, so that the
loader keeps its length and the evaluation is repeatable; that sample is evaluated twice.
Problems of the split as a whole (no list, an empty list, a malformed or duplicated entry, nothing usable left)
always raise: skipping cannot repair them.
"""

from typing import Any, Optional

import cv2
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations

from .bad_sample_log import BadSampleLog
from .errors import DatasetError
from .sample_checks import check_decoded_image, check_image_file, check_label_file, check_label_map

BAD_SAMPLE_POLICIES = ('error', 'skip')
# Exceptions a decoder raises for a corrupt file (PIL: OSError / SyntaxError / ValueError; OpenCV: cv2.error;
# mmcv: AssertionError "failed to load image"; mmseg: AttributeError on a None decode).
DECODE_ERRORS = (OSError, ValueError, SyntaxError, AssertionError, AttributeError, cv2.error)


def run_checked_pipeline(pipeline, results: dict, num_classes: Optional[int], ignore_index: int) -> Any:
    """Run an mmengine ``Compose`` on ``results`` with the checks of :mod:`.sample_checks` around the two
    loaders that lack them: mmcv's ``LoadImageFromFile`` (complete image file, non-empty decode) and mmseg's
    ``LoadAnnotations`` (complete 8-bit file; size, channels and values of the map). A decoder's exception in
    either becomes a :class:`DatasetError` naming the file.

    ``num_classes``: number of classes the label values must stay below (None: no value check).
    """
    for transform in pipeline.transforms:
        # Only loaders that read a local file named in the results (not e.g. LoadImageFromNDArray's array).
        if isinstance(transform, LoadImageFromFile) and isinstance(results.get('img_path'), str):
            path = results['img_path']
            check_image_file(path, 'image')
            results = _decode(transform, results, path)
            if results is None:
                return None
            check_decoded_image(results['img'], path)
        elif (
            isinstance(transform, LoadAnnotations)
            and transform.with_seg
            and isinstance(results.get('seg_map_path'), str)
        ):
            path = results['seg_map_path']
            check_label_file(path)
            results = _decode(transform, results, path)
            label = results['gt_seg_map']
            photo_hw = results.get('ori_shape', label.shape)[:2]  # no photo loaded yet: nothing to compare with
            check_label_map(label, path, photo_hw, num_classes if num_classes is not None else 256, ignore_index)
        else:
            results = transform(results)
        if results is None:
            return None
    return results


def _decode(transform, results: dict, path: str) -> Optional[dict]:
    try:
        return transform(results)
    except DatasetError:
        raise
    except DECODE_ERRORS as error:
        raise DatasetError(path, f'cannot be decoded ({type(error).__name__}: {error})') from None


class BadSamplePolicyMixin:
    """Adds ``on_bad_sample`` to a dataset class (put it before the mmengine base class).

    Args:
        on_bad_sample: 'error' (default) or 'skip' (see the module doc).
        bad_sample_dir: folder of the :class:`BadSampleLog` (None: a temporary one, which ``BadSampleHook``
            moves to ``<log_dir>/bad_samples``).

    Dataset classes call :meth:`bad_at_index` where ``load_data_list`` finds a bad sample.
    """

    def __init__(self, *args, on_bad_sample: str = 'error', bad_sample_dir: Optional[str] = None, **kwargs):
        if on_bad_sample not in BAD_SAMPLE_POLICIES:
            raise ValueError(f'on_bad_sample must be one of {BAD_SAMPLE_POLICIES}, got {on_bad_sample!r}')
        self.on_bad_sample = on_bad_sample
        self.bad_sample_log = BadSampleLog(bad_sample_dir) if on_bad_sample == 'skip' else None
        # 'train' or 'eval' (evaluation: replace bad samples in order); BadSampleHook sets it per loop.
        self.bad_sample_phase = 'eval' if kwargs.get('test_mode') else 'train'
        super().__init__(*args, **kwargs)

    def record_bad_sample(self, error: DatasetError) -> None:
        """Raise ``error`` under 'error'; record it under 'skip'."""
        if self.bad_sample_log is None:
            raise error
        self.bad_sample_log.record(error, self.bad_sample_phase, type(self).__name__)

    def bad_at_index(self, error: DatasetError) -> None:
        """A bad sample found by ``load_data_list``: raises under 'error'; under 'skip' records it, and the
        caller leaves the sample out."""
        self.record_bad_sample(error)

    def _num_label_classes(self) -> Optional[int]:
        classes = self.metainfo.get('classes') if hasattr(self, 'metainfo') else None
        return len(classes) if classes else None

    def prepare_data(self, idx: int) -> Any:
        """The sample through the pipeline with the load-time checks; None for a skipped bad sample."""
        data_info = self.get_data_info(idx)
        try:
            return run_checked_pipeline(
                self.pipeline, data_info, self._num_label_classes(), getattr(self, 'ignore_index', 255)
            )
        except DatasetError as error:
            self.record_bad_sample(error)
            return None

    def __getitem__(self, idx: int) -> Any:
        if self.bad_sample_log is None or self.bad_sample_phase != 'eval':
            return super().__getitem__(idx)
        # Evaluation + skip: take the next readable sample in order (mmengine would raise on None in test mode,
        # or draw a random one).
        if not self._fully_initialized:
            self.full_init()
        for step in range(len(self)):
            data = self.prepare_data((idx + step) % len(self))
            if data is not None:
                return data
        raise DatasetError(
            getattr(self, 'data_root', '') or type(self).__name__,
            f'none of the {len(self)} samples '
            f'could be loaded (on_bad_sample=skip; see {self.bad_sample_log.directory})',
        )
