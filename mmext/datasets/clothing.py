# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Clothing and portrait data sets as mmseg datasets: CCP / People Clothing, EasyPortrait, a generic folder.

CCP and Kaggle's People Clothing are read in the layout that ``tools/dataset_converters/ccp.py`` and
``tools/dataset_converters/people_clothing.py`` write::

    data_root/
      photos/NNNN.jpg (CCP) or NNNN.png (People Clothing)   photos (a symlink to the source, or copies)
      labels/NNNN.png                                       uint8 label maps, values 0..58
      splits/train.txt, splits/val.txt                      one stem (NNNN) per line
      label_list.txt                                        the 59 label names, index = value
      conversion.json                                       what the converter did (source, photo suffix)
      depth/NNNN.png                                        precomputed depth (optional; see depth_maps.py)
      keypoints/NNNN.json, skeletons/NNNN.jpg               pose pseudo-labels (optional; annotate_pose.py)

EasyPortrait is read as published: ``images/{train,val,test}/*.jpg`` and ``annotations/{split}/*.png``.

Every data info carries ``img_path``, ``seg_map_path``, ``sample_id`` and, by the path rule of
:mod:`mmext.datasets.depth_maps` (the files need not exist), ``depth_path``, ``keypoints_path`` and
``skeleton_path`` (BlazePose keypoints and skeleton images from ``tools/dataset_converters/annotate_pose.py``),
so every pose-aware transform of the Dress Code path works on these data sets too. Missing photos
and label maps are found when the dataset is built: an error naming the file, or, with
``on_bad_sample='skip'``, left out and counted (:mod:`mmext.datasets.bad_sample_policy`, docs/bad_data.md).
"""

import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmseg.registry import DATASETS

from .clothing_meta import EASYPORTRAIT_LABEL_MODES, LABEL_MODES, NUM_CCP_LABELS, NUM_EASYPORTRAIT_LABELS
from .depth_maps import depth_path_for
from .errors import DatasetError
from .photo_label_dataset import LabelModeDataset, Listing, PhotoLabelDataset, Sample, require_root
from .pose_files import keypoints_path_for, skeleton_path_for

# The converted CCP / People Clothing layout (shared with the converters).
PHOTOS_DIR = 'photos'
LABELS_DIR = 'labels'
SPLITS_DIR = 'splits'
LABEL_LIST_FILE = 'label_list.txt'
MANIFEST_FILE = 'conversion.json'
PHOTO_SUFFIXES = ('.jpg', '.png')

EASYPORTRAIT_SPLITS = ('train', 'val', 'test')


def _derived_paths(img_path: str, data_root: str, img_dir: str) -> Dict[str, str]:
    """Per-photo files by the path rule of depth_maps.py (they need not exist): the depth map, and the
    keypoints and skeleton image that ``tools/dataset_converters/annotate_pose.py`` writes."""
    return dict(
        depth_path=depth_path_for(img_path, data_root, img_dir),
        keypoints_path=keypoints_path_for(img_path, data_root, img_dir),
        skeleton_path=skeleton_path_for(img_path, data_root, img_dir),
    )


def read_manifest(data_root: str) -> Optional[dict]:
    """``conversion.json`` of a converted folder as a dict, or None when it is missing."""
    path = osp.join(data_root, MANIFEST_FILE)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            manifest = json.load(f)
    except ValueError as error:
        raise DatasetError(path, f'not JSON ({error})') from None
    if not isinstance(manifest, dict):
        raise DatasetError(path, 'not a JSON object written by the converter')
    return manifest


def read_stem_list(path: str) -> List[str]:
    """Stems listed one per line in ``path`` (blank lines ignored); a repeated stem is an error."""
    stems, seen = [], set()
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            stem = line.strip()
            if not stem:
                continue
            if stem in seen:
                raise DatasetError(path, f'line {line_no}: {stem!r} is listed twice')
            seen.add(stem)
            stems.append(stem)
    return stems


def read_split_list(split_file: str, split: str) -> List[str]:
    """The stems of the list ``split_file`` of the split ``split``; a missing or empty list is an error."""
    if not osp.isfile(split_file):
        raise DatasetError(
            split_file,
            f'list of the {split!r} split is missing (the converter writes '
            f'{SPLITS_DIR}/train.txt and {SPLITS_DIR}/val.txt)',
        )
    stems = read_stem_list(split_file)
    if not stems:
        raise DatasetError(split_file, 'split list is empty')
    return stems


def read_split(data_root: str, split: str) -> Tuple[str, List[str]]:
    """The path and stems of ``splits/<split>.txt`` of a converted tree; a missing or empty list is an error."""
    split_file = osp.join(data_root, SPLITS_DIR, f'{split}.txt')
    return split_file, read_split_list(split_file, split)


def pair_with_masks(
    photos: List[str], img_root: str, ann_root: str, dataset: PhotoLabelDataset, mask_name: str, depth_dir: str
) -> Listing:
    """Samples pairing each photo (a path relative to ``img_root``) with the mask of its stem in ``ann_root``."""
    if not photos:
        raise DatasetError(img_root, f'no {dataset.img_suffix} photos')
    samples = []
    for relative in photos:
        stem = relative[: -len(dataset.img_suffix)]
        photo = osp.join(img_root, relative)
        samples.append(
            Sample(
                img_path=photo,
                seg_map_path=osp.join(ann_root, stem + dataset.seg_map_suffix),
                sample_id=stem,
                missing_problem=f'{mask_name} of {photo} is missing',
                extra=_derived_paths(photo, dataset.data_root, depth_dir),
            )
        )
    return Listing(ann_root, f'no {mask_name} for any photo of {img_root}', samples)


@DATASETS.register_module()
class CCPDataset(LabelModeDataset):
    """CCP or People Clothing photos with the 59-label maps, in the converted layout (see module doc).

    Args:
        data_root: the output folder of ``tools/dataset_converters/ccp.py`` (or ``people_clothing.py``).
        split: a split listed in ``splits/<split>.txt`` ('train', 'val', 'fold<k>_train', ... as converted):
            short for ``ann_file='splits/<split>.txt'``.
        label_mode: 'native' (59 labels), 'clothing4' (background / upper / lower / whole garments, the
            grouping of the TopFormer-vs-U2Net clothing study), 'person' (every label but 0) or 'fashion7'
            (background, skin, hair, t-shirt, shoes, pants, dress: the fashion pixel study's classes); see
            :mod:`mmext.datasets.clothing_meta`.
        ann_file: mmseg's split list (one stem per line), relative to ``data_root`` or absolute; default:
            that of ``split``.
        data_prefix: mmseg's folders of photos (``img_path``, default ``photos``) and label maps
            (``seg_map_path``, default ``labels``), relative to ``data_root``.
        **kwargs: ``on_bad_sample`` ('error' or 'skip', :class:`BadSamplePolicyMixin`) and
            :class:`BaseSegDataset` arguments (pipeline, test_mode, indices, ...).

    The photo suffix is the one recorded in ``conversion.json``; without that file, ``.jpg`` and ``.png`` are
    both accepted. The depth map of ``photos/NNNN.jpg`` is ``depth/NNNN.png``. The split list is read by
    :func:`read_split_list`, not by ``BaseSegDataset.load_data_list`` (docs/architecture.md says why).
    """

    METAINFO = dict(classes=LABEL_MODES['native'][0], palette=LABEL_MODES['native'][1])
    LABEL_MODES = LABEL_MODES
    NUM_SOURCE_LABELS = NUM_CCP_LABELS
    DATA_NAME = 'CCP'
    ROOT_HINT = (
        'Convert the data set first: python tools/dataset_converters/ccp.py --src ../shared/data/ccp '
        '--out {data_root} (People Clothing: tools/dataset_converters/people_clothing.py)'
    )

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        label_mode: str = 'native',
        ann_file: str = '',
        data_prefix: Optional[dict] = None,
        **kwargs,
    ):
        self.photo_suffix = self._recorded_photo_suffix(data_root)
        if ann_file:
            split = osp.splitext(osp.basename(ann_file))[0]
        super().__init__(
            data_root,
            split,
            label_mode,
            img_suffix=self.photo_suffix or '.jpg',
            seg_map_suffix='.png',
            ann_file=ann_file or osp.join(SPLITS_DIR, f'{split}.txt'),
            data_prefix=dict(img_path=PHOTOS_DIR, seg_map_path=LABELS_DIR, **(data_prefix or {})),
            **kwargs,
        )

    @staticmethod
    def _recorded_photo_suffix(data_root: str) -> Optional[str]:
        manifest = read_manifest(data_root)
        if manifest is None:
            return None
        suffix = manifest.get('photo_suffix')
        if suffix not in PHOTO_SUFFIXES:
            raise DatasetError(
                osp.join(data_root, MANIFEST_FILE), f'photo_suffix must be one of {PHOTO_SUFFIXES}, got {suffix!r}'
            )
        return suffix

    def _photo_path(self, stem: str) -> str:
        photos = self.data_prefix['img_path']
        if self.photo_suffix:
            return osp.join(photos, stem + self.photo_suffix)
        for suffix in PHOTO_SUFFIXES:
            path = osp.join(photos, stem + suffix)
            if osp.isfile(path):
                return path
        return osp.join(photos, stem + PHOTO_SUFFIXES[0])

    def list_samples(self) -> Listing:
        stems = read_split_list(self.ann_file, self.split)
        inside = self.ann_file.startswith(osp.join(self.data_root, ''))
        missing = f'listed in {osp.relpath(self.ann_file, self.data_root) if inside else self.ann_file} but missing'
        # The per-photo files (depth, keypoints, skeleton) replace the photo folder by theirs.
        photo_dir = osp.relpath(self.data_prefix['img_path'], self.data_root).split(os.sep)[0]
        labels = self.data_prefix['seg_map_path']
        samples = [
            Sample(
                img_path=photo,
                seg_map_path=osp.join(labels, stem + self.seg_map_suffix),
                sample_id=stem,
                missing_problem=missing,
                extra=_derived_paths(photo, self.data_root, photo_dir),
            )
            for stem, photo in ((stem, self._photo_path(stem)) for stem in stems)
        ]
        return Listing(self.ann_file, 'no usable sample: every listed stem is bad (see the log)', samples)


@DATASETS.register_module()
class EasyPortraitDataset(LabelModeDataset):
    """EasyPortrait in its published layout: ``images/<split>/*.jpg`` with ``annotations/<split>/*.png``.

    Args:
        data_root: the EasyPortrait folder.
        split: 'train', 'val' or 'test'.
        label_mode: 'person' (person / background, value > 0) or 'native' (the 9 classes).
        **kwargs: ``on_bad_sample`` ('error' or 'skip', :class:`BadSamplePolicyMixin`) and
            :class:`BaseSegDataset` arguments.

    The depth map of ``images/train/<name>.jpg`` is ``depth/train/<name>.png``.
    """

    METAINFO = dict(classes=EASYPORTRAIT_LABEL_MODES['native'][0], palette=EASYPORTRAIT_LABEL_MODES['native'][1])
    LABEL_MODES = EASYPORTRAIT_LABEL_MODES
    NUM_SOURCE_LABELS = NUM_EASYPORTRAIT_LABELS
    DATA_NAME = 'EasyPortrait'
    ROOT_HINT = 'Put the data set there (images/{{train,val,test}}/*.jpg, annotations/{{train,val,test}}/*.png).'

    def __init__(self, data_root: str, split: str = 'train', label_mode: str = 'person', **kwargs):
        if split not in EASYPORTRAIT_SPLITS:
            raise ValueError(f'split must be one of {EASYPORTRAIT_SPLITS}, got {split!r}')
        super().__init__(data_root, split, label_mode, img_suffix='.jpg', seg_map_suffix='.png', **kwargs)

    def list_samples(self) -> Listing:
        img_dir = osp.join(self.data_root, 'images', self.split)
        ann_dir = osp.join(self.data_root, 'annotations', self.split)
        if not osp.isdir(img_dir):
            raise DatasetError(img_dir, f'photo folder of the {self.split!r} split is missing')
        names = sorted(name for name in os.listdir(img_dir) if name.endswith(self.img_suffix))
        return pair_with_masks(names, img_dir, ann_dir, self, 'annotation', 'images')


@DATASETS.register_module()
class ImageMaskFolderDataset(PhotoLabelDataset):
    """A folder of photos with a parallel folder of masks: ``<img_dir>/<rel>/<name><img_suffix>`` is paired
    with ``<ann_dir>/<rel>/<name><seg_map_suffix>`` (sub folders are searched).

    Args:
        data_root: the folder holding ``img_dir`` and ``ann_dir``.
        img_dir, ann_dir: folders of photos and masks, relative to ``data_root``.
        img_suffix, seg_map_suffix: file name endings of photos and masks.
        classes: class names, index = label value after ``label_map``.
        label_map: optional ``{mask value: label}`` applied by ``LoadAnnotations``; values not listed keep
            their value (mmseg's rule).
        palette: optional colours, one per class (mmseg draws random ones when absent).
        **kwargs: ``on_bad_sample`` ('error' or 'skip', :class:`BadSamplePolicyMixin`) and
            :class:`BaseSegDataset` arguments.

    The depth map replaces the first folder of ``img_dir`` by ``depth``: ``images/a/b.jpg`` ->
    ``depth/a/b.png``.
    """

    def __init__(
        self,
        data_root: str,
        img_dir: str = 'images',
        ann_dir: str = 'masks',
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        classes: Sequence[str] = ('background', 'foreground'),
        label_map: Optional[Dict[int, int]] = None,
        palette: Optional[list] = None,
        metainfo: Optional[dict] = None,
        **kwargs,
    ):
        if not classes:
            raise ValueError('classes must name at least one class')
        if palette is not None and len(palette) != len(classes):
            raise ValueError(f'palette has {len(palette)} colours for {len(classes)} classes')
        require_root(
            data_root, 'ImageMaskFolderDataset', f'Put the photos in {img_dir}/ and the masks in {ann_dir}/ under it.'
        )
        self.img_dir = img_dir
        self.ann_dir = ann_dir
        self._label_map = {int(k): int(v) for k, v in label_map.items()} if label_map else None
        super().__init__(
            data_root, classes, palette, metainfo, img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )

    def get_label_map(self, new_classes: Optional[Sequence] = None) -> Optional[dict]:
        """The ``label_map`` given to the constructor (None: masks hold the class indices)."""
        return self._label_map

    def list_samples(self) -> Listing:
        img_root = osp.join(self.data_root, self.img_dir)
        ann_root = osp.join(self.data_root, self.ann_dir)
        if not osp.isdir(img_root):
            raise DatasetError(img_root, 'photo folder is missing')
        depth_dir = osp.normpath(self.img_dir).split(os.sep)[0]
        photos = sorted(
            osp.relpath(osp.join(folder, name), img_root)
            for folder, _, names in os.walk(img_root, followlinks=True)
            for name in names
            if name.endswith(self.img_suffix)
        )
        return pair_with_masks(photos, img_root, ann_root, self, 'mask', depth_dir)

    def describe(self) -> str:
        return f'from {osp.join(self.data_root, self.img_dir)}'
