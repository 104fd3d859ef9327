# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""iMaterialist (Fashion) 2019 as an mmdet instance-segmentation dataset, read straight from ``train.csv``.

Layout (the Kaggle FGVC6 download, unconverted)::

    data_root/
      train.csv                  ImageId, EncodedPixels, Height, Width, ClassId -- one instance per row
      train/<ImageId>.jpg        photos
      label_descriptions.json    optional: the 46 category names (generic ``category_<id>`` names without it)

Each row of ``train.csv`` is one instance: its category is the number before the first ``_`` of ClassId
(``"3"`` or ``"3_10_22"``: attributes are ignored), its mask the column-major, 1-based run-length text of
EncodedPixels over Height x Width (:mod:`mmext.datasets.rle`), its box the tight box of the mask in mmdet's
convention ``[x1, y1, x2, y2]`` with ``x2 = last column + 1`` and ``y2 = last row + 1`` (as
``BitmapMasks.get_bboxes``). Rows with an empty mask are skipped (their number is logged); a malformed row
raises :class:`DatasetError` naming the csv and the row's line number, and so does a photo that does not exist
-- or, with ``on_bad_sample='skip'``, the image is left out and counted (:mod:`.bad_sample_policy`).

``load_data_list`` keeps the run-length text (``instances[i]['rle']``); ``LoadIMaterialistAnnotations``
(:mod:`mmext.datasets.transforms.load_imaterialist_annotations`) decodes it in the data pipeline into
``gt_masks`` (BitmapMasks) next to ``gt_bboxes`` (HorizontalBoxes), ``gt_bboxes_labels`` and
``gt_ignore_flags``.

Splits: ``split='train'`` / ``'val'`` is a seeded random split of the sorted ImageIds (``val_fraction`` of them,
picked by the first entries of ``numpy.random.default_rng(split_seed).permutation``; the Mask R-CNN instance
study used 80/20), ``split_file`` a text file of ImageIds (one per line, e.g. ``splits/val.txt`` of
``tools/dataset_converters/imaterialist.py``), ``split=None`` every image. ``img_id`` is the index of the
ImageId among all sorted ImageIds of the csv, so it is the same in every split.

Evaluation: ``IMaterialistCocoMetric`` (:mod:`mmext.evaluation.metrics.imaterialist_coco_metric`) is mmdet's
``CocoMetric`` (bbox and segm mAP) without a COCO json: the ground truth comes from the ``instances`` the test
pipeline packs into the data samples (``PackDetInputs(meta_keys=(..., 'instances'))``), decoded and re-encoded
as COCO RLE.

The dataset, the transform and the metric register into mmdet's registries (the Mask R-CNN config runs in
mmdet's scope). ``import mmext`` registers mmext's mmseg modules only and imports none of the three; configs
list them::

    custom_imports = dict(imports=['mmext', 'mmext.datasets.imaterialist_instances',
                                   'mmext.datasets.transforms.load_imaterialist_annotations',
                                   'mmext.evaluation.metrics.imaterialist_coco_metric'])
"""

import csv
import json
import os.path as osp
import sys
from collections import Counter
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import numpy as np
from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS as DET_DATASETS
from mmengine.logging import print_log

from .bad_sample_policy import BadSamplePolicyMixin
from .clothing_meta import _distinct_palette
from .errors import DatasetError
from .rle import parse_rle

CSV_COLUMNS = ('ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId')
NUM_IMAT_CATEGORIES = 46
LABEL_DESCRIPTIONS = 'label_descriptions.json'
SPLITS = ('train', 'val')


def generic_names(num: int) -> Tuple[str, ...]:
    return tuple(f'category_{i}' for i in range(num))


def read_category_names(path: str, num_categories: int) -> Tuple[str, ...]:
    """Category names by id from iMaterialist's ``label_descriptions.json`` (``categories``: id, name)."""
    try:
        with open(path) as f:
            categories = json.load(f)['categories']
        names = {int(c['id']): str(c['name']) for c in categories}
    except (ValueError, KeyError, TypeError) as error:
        raise DatasetError(path, f'not a label_descriptions.json with categories of id and name ({error})') from None
    if sorted(names) != list(range(num_categories)):
        raise DatasetError(path, f'lists category ids {sorted(names)[:5]}..., expected 0..{num_categories - 1}')
    ordered = tuple(names[i] for i in range(num_categories))
    if len(set(ordered)) != len(ordered):
        raise DatasetError(path, 'category names are not distinct')
    return ordered


def csv_records(path: str, reader: csv.DictReader) -> Iterator[Tuple[int, dict]]:
    """(line number, record) of each row of ``reader`` after checking the header for :data:`CSV_COLUMNS`.

    Raises:
        DatasetError: a missing column, or a file that is not UTF-8 csv text (naming the line).
    """
    try:
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(path, f'column(s) {", ".join(missing)} missing; expected {", ".join(CSV_COLUMNS)}')
        for record in reader:
            yield reader.line_num, record
    except (UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(path, f'not readable as UTF-8 csv at line {reader.line_num + 1} ({error})') from None


def bbox_of_runs(runs: np.ndarray, height: int) -> List[float]:
    """Tight box ``[x1, y1, x2, y2]`` (x2, y2 exclusive) of the union of column-major runs.

    ``runs`` is (N >= 1, 2) of 0-based start and length (:func:`parse_rle`). A run within one column covers the
    rows from its start row to its end row; a run that crosses into the next column covers a full column's
    height between its first and last column, so its rows span the whole image.
    """
    starts, ends = runs[:, 0], runs[:, 0] + runs[:, 1] - 1
    first_col, last_col = starts // height, ends // height
    one_column = first_col == last_col
    top = np.where(one_column, starts % height, 0)
    bottom = np.where(one_column, ends % height, height - 1)
    return [float(first_col.min()), float(top.min()), float(last_col.max() + 1), float(bottom.max() + 1)]


def split_image_ids(image_ids: Sequence[str], val_fraction: float, seed: int) -> Dict[str, List[str]]:
    """{'train': [...], 'val': [...]}, each sorted: ``round(val_fraction * n)`` of the sorted ids go to val,
    picked by the first entries of ``numpy.random.default_rng(seed).permutation(n)``."""
    ordered = sorted(image_ids)
    num_val = int(round(val_fraction * len(ordered)))
    val = {ordered[i] for i in np.random.default_rng(seed).permutation(len(ordered))[:num_val]}
    return dict(train=[i for i in ordered if i not in val], val=[i for i in ordered if i in val])


@DET_DATASETS.register_module()
class IMaterialistInstanceDataset(BadSamplePolicyMixin, BaseDetDataset):
    """iMaterialist-2019 instances (46 categories, attributes ignored) from ``train.csv`` (see the module doc).

    Args:
        data_root: folder with ``ann_file``, ``img_dir`` and optionally ``label_descriptions.json``.
        ann_file: the csv, relative to ``data_root`` (or absolute).
        img_dir: the photo folder, relative to ``data_root``; photo ``<img_dir>/<ImageId><img_suffix>`` (an
            ImageId that already ends with ``img_suffix`` is used as it is).
        num_categories: categories 0 .. num_categories - 1; a row with another category is an error.
        split: None (every image), 'train' or 'val' (seeded split, ``val_fraction``, ``split_seed``).
        split_file: text file of the ImageIds to use, one per line (relative to ``data_root`` or absolute);
            overrides ``split``.
        img_suffix: extension of the photos.
        **kwargs: ``on_bad_sample`` ('error' or 'skip', :class:`BadSamplePolicyMixin`) and
            :class:`BaseDetDataset` arguments (pipeline, test_mode, filter_cfg, indices, ...).
            ``filter_cfg=dict(filter_empty_gt=True, min_size=32)`` drops, outside test mode, images without
            instances and images smaller than ``min_size`` on either side.
    """

    METAINFO = dict(
        classes=generic_names(NUM_IMAT_CATEGORIES),
        palette=[tuple(c) for c in _distinct_palette(NUM_IMAT_CATEGORIES + 1)[1:]],
    )

    def __init__(
        self,
        data_root: str,
        ann_file: str = 'train.csv',
        img_dir: str = 'train',
        num_categories: int = NUM_IMAT_CATEGORIES,
        split: Optional[str] = None,
        val_fraction: float = 0.2,
        split_seed: int = 0,
        split_file: Optional[str] = None,
        img_suffix: str = '.jpg',
        metainfo: Optional[dict] = None,
        **kwargs,
    ):
        if split is not None and split not in SPLITS:
            raise ValueError(f'split must be None, {" or ".join(map(repr, SPLITS))}; got {split!r}')
        if not 0.0 <= val_fraction <= 1.0:
            raise ValueError(f'val_fraction must be in [0, 1], got {val_fraction}')
        if not osp.isdir(data_root):
            raise DatasetError(data_root, f'iMaterialist folder not found (expected {ann_file}, {img_dir}/ inside)')
        self.num_categories = int(num_categories)
        self.split, self.val_fraction, self.split_seed = split, val_fraction, split_seed
        self.split_file = split_file
        self.img_suffix = img_suffix
        metainfo = dict(metainfo or {})
        if 'classes' not in metainfo:
            names_path = osp.join(data_root, LABEL_DESCRIPTIONS)
            metainfo['classes'] = (
                read_category_names(names_path, self.num_categories)
                if osp.isfile(names_path)
                else generic_names(self.num_categories)
            )
        if 'palette' not in metainfo:
            metainfo['palette'] = [tuple(c) for c in _distinct_palette(len(metainfo['classes']) + 1)[1:]]
        super().__init__(
            data_root=data_root, ann_file=ann_file, data_prefix=dict(img_path=img_dir), metainfo=metainfo, **kwargs
        )

    def _image_path(self, image_id: str) -> str:
        name = image_id if image_id.lower().endswith(self.img_suffix.lower()) else image_id + self.img_suffix
        return osp.join(self.data_prefix['img_path'], name)

    def _read_csv(self) -> Tuple[Dict[str, dict], Set[str], int]:
        """({ImageId: dict(height, width, instances)}, ImageIds with a bad row (on_bad_sample='skip'), number of
        rows with an empty mask)."""
        path = self.ann_file
        if not osp.isfile(path):
            raise DatasetError(path, 'annotation csv not found')
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # EncodedPixels of a large mask is a long field
        images: Dict[str, dict] = {}
        bad_ids = set()
        num_empty = 0
        with open(path, newline='') as f:
            reader = csv.DictReader(f)
            for row, record in csv_records(path, reader):
                try:
                    image_id, height, width, instance = self._parse_row(record)
                except ValueError as error:
                    self.bad_at_index(DatasetError(path, f'row at line {row}: {error}'))
                    bad_ids.add((record.get('ImageId') or '').strip())
                    continue
                image = images.setdefault(image_id, dict(height=height, width=width, instances=[]))
                if (image['height'], image['width']) != (height, width):
                    self.bad_at_index(
                        DatasetError(
                            path,
                            f'row at line {row}: {image_id} is {height} x {width} (H x W) '
                            f'here but {image["height"]} x {image["width"]} in an earlier row',
                        )
                    )
                    bad_ids.add(image_id)
                    continue
                if instance is None:
                    num_empty += 1
                else:
                    image['instances'].append(instance)
        return images, bad_ids, num_empty

    def _parse_row(self, record: dict) -> Tuple[str, int, int, Optional[dict]]:
        """(ImageId, height, width, instance or None for an empty mask) of one csv record."""
        if None in record.values() or None in record:
            raise ValueError('the number of fields differs from the header')
        image_id = record['ImageId'].strip()
        if not image_id:
            raise ValueError('ImageId is empty')
        try:
            height, width = int(record['Height']), int(record['Width'])
        except ValueError:
            raise ValueError(f'Height {record["Height"]!r} / Width {record["Width"]!r} are not integers') from None
        class_id = record['ClassId'].strip()
        try:
            category = int(class_id.split('_', 1)[0])
        except ValueError:
            raise ValueError(f'ClassId {class_id!r} does not start with a category number') from None
        if not 0 <= category < self.num_categories:
            raise ValueError(f'ClassId {class_id!r}: category {category} is not in 0..{self.num_categories - 1}')
        encoded = record['EncodedPixels'].strip()
        runs = parse_rle(encoded, height, width)  # ValueError names the problem
        if len(runs) == 0:
            return image_id, height, width, None
        instance = dict(bbox=bbox_of_runs(runs, height), bbox_label=category, ignore_flag=0, rle=encoded)
        return image_id, height, width, instance

    def _selected_ids(self, image_ids: List[str]) -> List[str]:
        if self.split_file is not None:
            path = self.split_file if osp.isabs(self.split_file) else osp.join(self.data_root, self.split_file)
            if not osp.isfile(path):
                raise DatasetError(path, 'split file not found')
            with open(path) as f:
                wanted = [line.strip() for line in f if line.strip() and not line.startswith('#')]
            repeated = sorted(i for i, n in Counter(wanted).items() if n > 1)
            if repeated:
                raise DatasetError(path, f'ImageId(s) listed more than once: {", ".join(repeated[:5])}')
            known = set(image_ids)
            unknown = [i for i in wanted if i not in known]
            if unknown:
                raise DatasetError(path, f'{len(unknown)} ImageId(s) not in {self.ann_file}: {", ".join(unknown[:5])}')
            return sorted(set(wanted))
        if self.split is None:
            return image_ids
        return split_image_ids(image_ids, self.val_fraction, self.split_seed)[self.split]

    def load_data_list(self) -> List[dict]:
        images, bad_ids, num_empty = self._read_csv()
        all_ids = sorted(set(images) | bad_ids - {''})
        img_ids = {image_id: index for index, image_id in enumerate(all_ids)}
        data_list = []
        for image_id in self._selected_ids(all_ids):
            if image_id in bad_ids:
                continue  # recorded with its row by _read_csv
            image = images[image_id]
            if not osp.isfile(self._image_path(image_id)):
                self.bad_at_index(
                    DatasetError(
                        self._image_path(image_id),
                        f'photo of {image_id} (listed in {osp.basename(self.ann_file)}) is missing',
                    )
                )
                continue
            data_list.append(
                dict(
                    img_id=img_ids[image_id],
                    img_path=self._image_path(image_id),
                    image_id=image_id,
                    height=image['height'],
                    width=image['width'],
                    instances=image['instances'],
                )
            )
        if not data_list:
            raise DatasetError(
                self.ann_file,
                f'no usable image (split={self.split_file or self.split}); see the log for bad rows and missing photos',
            )
        num_instances = sum(len(d['instances']) for d in data_list)
        print_log(
            f'IMaterialistInstanceDataset: {len(data_list)} images, {num_instances} instances '
            f'(split={self.split_file or self.split}) from {self.ann_file}; {num_empty} row(s) of the csv '
            'with an empty mask skipped',
            logger='current',
        )
        return data_list

    def filter_data(self) -> List[dict]:
        """Outside test mode, with ``filter_cfg``: drop images without instances (``filter_empty_gt``) and
        images smaller than ``min_size`` on either side."""
        if self.test_mode or not self.filter_cfg:
            return self.data_list
        filter_empty_gt = self.filter_cfg.get('filter_empty_gt', False)
        min_size = self.filter_cfg.get('min_size', 0)
        return [
            d
            for d in self.data_list
            if (d['instances'] or not filter_empty_gt) and min(d['height'], d['width']) >= min_size
        ]
