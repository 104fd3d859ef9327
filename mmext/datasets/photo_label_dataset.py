# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The base of the project's segmentation datasets: listed (photo, label map) pairs with per-photo extras.

A subclass says only where its samples are listed and how their paths are formed (:meth:`list_samples`);
the data infos mmseg needs, the missing-file check under the bad-sample policy, the empty-split error and
the log line are made here once. Every sample may carry keypoints in OpenPose's COCO-18 format (Dress Code's
files, ``annotate_pose.py``), so the metainfo carries that format (``keypoint_names``, ``skeleton_links``,
``flip_indices``) and each data info the ``flip_indices`` the flip reads, as mmpose's datasets do.
"""

import os.path as osp
from dataclasses import dataclass
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset

from ..structures import COCO18_METAINFO
from .bad_sample_policy import BadSamplePolicyMixin
from .errors import DatasetError


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One listed sample: its photo and label map, an id, what to say when one of them is missing, and extra
    data info keys (``depth_path``, ``keypoints_path``, ``category``, ...). Built with keywords only."""

    img_path: str
    seg_map_path: str
    sample_id: str
    missing_problem: str
    extra: dict


class Listing(NamedTuple):
    """Where the samples are listed (the path an empty split is reported on), the problem to report then, and
    the samples."""

    source: str
    empty_problem: str
    samples: Iterable[Sample]


def require_root(data_root: str, what: str, how: str) -> None:
    """FileNotFoundError naming the data set, the missing ``data_root`` and what to do about it."""
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'{what} data_root {data_root!r} does not exist. {how}')


class PhotoLabelDataset(BadSamplePolicyMixin, BaseSegDataset):
    """mmseg's ``BaseSegDataset`` with the bad-sample policy (``on_bad_sample``) and listed samples.

    Subclasses implement :meth:`list_samples` and may override :meth:`describe` (the log line's details).
    A listed photo or label map that does not exist is a bad sample at index time: an error naming the file,
    or under ``on_bad_sample='skip'`` left out and counted.
    """

    # The keypoint format of the samples' keypoint files; a dataset with another format overrides it.
    POSE_METAINFO: dict = COCO18_METAINFO
    # Metainfo keys copied into every data info for the transforms (mmpose's practice): the flip reads them.
    POSE_INFO_KEYS = ('flip_indices',)

    def __init__(
        self,
        data_root: str,
        classes: Sequence[str],
        palette: Optional[list] = None,
        metainfo: Optional[dict] = None,
        **kwargs,
    ):
        """``classes`` / ``palette``: those of the chosen labels; entries of ``metainfo`` override them."""
        chosen = dict(classes=tuple(classes), **({} if palette is None else dict(palette=palette)))
        super().__init__(data_root=data_root, metainfo=dict(chosen, **(metainfo or {})), **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo: Optional[dict] = None) -> dict:
        return dict(cls.POSE_METAINFO, **super()._load_metainfo(metainfo))

    def list_samples(self) -> Listing:
        raise NotImplementedError

    def describe(self) -> str:
        """Details for the log line after the sample count, e.g. the split and label mode."""
        return ', '.join(f'{key}={getattr(self, key)}' for key in ('split', 'label_mode') if hasattr(self, key))

    def load_data_list(self) -> List[dict]:
        listing = self.list_samples()
        data_list = []
        for sample in listing.samples:
            missing = next((p for p in (sample.img_path, sample.seg_map_path) if not osp.isfile(p)), None)
            if missing:
                self.bad_at_index(DatasetError(missing, sample.missing_problem))
                continue
            data_list.append(
                dict(
                    img_path=sample.img_path,
                    seg_map_path=sample.seg_map_path,
                    sample_id=sample.sample_id,
                    label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[],
                    **{key: self.metainfo[key] for key in self.POSE_INFO_KEYS},
                    **sample.extra,
                )
            )
        if not data_list:
            raise DatasetError(listing.source, listing.empty_problem)
        print_log(f'{type(self).__name__}: {len(data_list)} samples ({self.describe()})', logger='current')
        return data_list


class LabelModeDataset(PhotoLabelDataset):
    """A data set with one label set and named groupings of it, its label modes.

    Subclasses declare ``LABEL_MODES`` (name -> (classes, palette, {source label: label}); source labels not
    listed become 0), the mode that keeps the source labels (``NATIVE_MODE``), the number of source labels,
    and how a missing ``data_root`` is reported (``DATA_NAME``, ``ROOT_HINT`` with ``{data_root}``).
    """

    LABEL_MODES: Dict[str, tuple] = {}
    NATIVE_MODE = 'native'
    NUM_SOURCE_LABELS = 0
    DATA_NAME = ''
    ROOT_HINT = ''

    def __init__(self, data_root: str, split: str, label_mode: str, metainfo: Optional[dict] = None, **kwargs):
        if label_mode not in self.LABEL_MODES:
            raise ValueError(f'Unknown label_mode {label_mode!r}; choose from {sorted(self.LABEL_MODES)}')
        require_root(data_root, self.DATA_NAME, self.ROOT_HINT.format(data_root=data_root))
        self.split = split
        self.label_mode = label_mode
        classes, palette, _ = self.LABEL_MODES[label_mode]
        super().__init__(data_root, classes, palette, metainfo, **kwargs)

    def get_label_map(self, new_classes: Optional[Sequence] = None) -> Optional[dict]:
        """The chosen mode for every source label (None for the native mode: labels stay as they are)."""
        if self.label_mode == self.NATIVE_MODE:
            return None
        grouping = self.LABEL_MODES[self.label_mode][2]
        return {i: grouping.get(i, 0) for i in range(self.NUM_SOURCE_LABELS)}
