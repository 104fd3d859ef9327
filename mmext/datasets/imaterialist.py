# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""iMaterialist (Fashion) 2019 as an mmseg dataset, in the layout ``tools/dataset_converters/imaterialist.py``
writes::

    data_root/
      images/<ImageId>.jpg               photos (a symlink to <src>/train, or copies)
      labels_fine/<ImageId>.png          uint8, 0 background, category id + 1 (1..46) for the 46 categories
      labels_grouped4/<ImageId>.png      uint8, clothing4 grouping: 0 background, 1 upper, 2 lower, 3 whole
      splits/train.txt, splits/val.txt   one ImageId per line
      conversion.json                    categories (names from label_descriptions.json), rules, source
      depth/<ImageId>.png                precomputed depth (optional; see depth_maps.py)

Label numbering (fine): the value of a pixel is its category id plus one, so category 0 ("shirt, blouse" in
label_descriptions.json) is 1 and category 45 is 46; 0 is background (no mask).

The grouped4 maps (the clothing4 grouping as the TopFormer-vs-U2Net clothing study and the U2Net cloth model
apply it to these categories, docs/studies.md): categories 0-5 upper, 6-8 lower, 9-12 whole body, every other
category background.

Overlapping masks (a pixel covered by masks of several rows), decided by the converter:

- grouped4: the pixel gets the highest-priority group among the masks covering it: upper > lower > whole.
  "upper wins" is the clothing study's rule; lower over whole is this project's choice, the study does not
  say. Categories outside the grouping never override a garment (they are background only where no grouped
  mask covers the pixel).
- fine: the smallest mask (fewest pixels) covering the pixel wins; ties go to the smaller category id, then
  to the earlier row of train.csv. Garment parts (sleeve, pocket, neckline, ...) and decorations are small
  masks drawn on top of the garment they belong to, so they stay visible in the fine map.

Label modes: 'grouped4' (labels_grouped4), 'fine' (labels_fine, 47 classes) and 'person' (labels_fine,
every category vs background). iMaterialist annotates garments, garment parts and accessories only -- never
skin or hair -- so 'person' is "worn item vs rest", not a person silhouette.
"""

import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmseg.registry import DATASETS

from .clothing import MANIFEST_FILE, SPLITS_DIR, read_manifest, read_split
from .clothing_meta import CLOTHING4_CLASSES, CLOTHING4_PALETTE, PERSON_CLASSES, PERSON_PALETTE, _distinct_palette
from .depth_maps import depth_path_for
from .errors import DatasetError
from .photo_label_dataset import Listing, PhotoLabelDataset, Sample, require_root

# The converted layout (shared with the converter).
IMAGES_DIR = 'images'
LABEL_DIRS = {'fine': 'labels_fine', 'grouped4': 'labels_grouped4'}
IMAGE_SUFFIX = '.jpg'

NUM_IMAT_CATEGORIES = 46  # iMaterialist-2019 categories 0..45 (label_descriptions.json)
BACKGROUND = 'background'

# The grouped4 grouping of the category ids (the clothing study's upper / lower / whole).
GROUPED4_CLASSES = CLOTHING4_CLASSES  # background, upper, lower, whole
GROUPED4_PALETTE = CLOTHING4_PALETTE
IMAT_UPPER = tuple(range(0, 6))  # shirt/blouse, top/t-shirt/sweatshirt, sweater, cardigan, jacket, vest
IMAT_LOWER = tuple(range(6, 9))  # pants, shorts, skirt
IMAT_WHOLE = tuple(range(9, 13))  # coat, dress, jumpsuit, cape
# Where masks of several groups overlap, the first group of this order wins (upper, as in the clothing study).
GROUPED4_PRIORITY = (1, 2, 3)

IMAT_LABEL_MODES = ('grouped4', 'fine', 'person')


def grouped4_of_category(category: int) -> int:
    """The grouped4 group of a category id: 1 upper, 2 lower, 3 whole, 0 background."""
    if category in IMAT_UPPER:
        return 1
    if category in IMAT_LOWER:
        return 2
    if category in IMAT_WHOLE:
        return 3
    return 0


def fine_value(category: int) -> int:
    """The value of a category in the fine label maps: category id + 1 (0 is background)."""
    return category + 1


def generic_category_names(num: int = NUM_IMAT_CATEGORIES) -> List[str]:
    return [f'category_{i}' for i in range(num)]


def category_names(data_root: str) -> Tuple[List[str], str]:
    """(46 category names, index = category id; where they came from): from ``conversion.json``, or generic
    ``category_<id>`` names when the file or its ``categories`` list is missing."""
    manifest = read_manifest(data_root)
    if manifest is None or not manifest.get('categories'):
        return generic_category_names(), 'generic names (conversion.json has no categories)'
    names = manifest['categories']
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise DatasetError(osp.join(data_root, MANIFEST_FILE), '`categories` must be a list of non-empty names')
    if len(set(names)) != len(names) or BACKGROUND in names:
        raise DatasetError(
            osp.join(data_root, MANIFEST_FILE), f'`categories` must be distinct and other than {BACKGROUND!r}'
        )
    return list(names), 'conversion.json'


def label_mode_spec(label_mode: str, names: Sequence[str]) -> Tuple[tuple, list, str, Optional[Dict[int, int]]]:
    """(classes, palette, label folder, label_map or None) of a label mode."""
    if label_mode == 'grouped4':
        return tuple(GROUPED4_CLASSES), list(GROUPED4_PALETTE), LABEL_DIRS['grouped4'], None
    if label_mode == 'fine':
        classes = (BACKGROUND, *names)
        return classes, _distinct_palette(len(classes)), LABEL_DIRS['fine'], None
    if label_mode == 'person':
        label_map = {0: 0, **{fine_value(i): 1 for i in range(len(names))}}
        return tuple(PERSON_CLASSES), list(PERSON_PALETTE), LABEL_DIRS['fine'], label_map
    raise ValueError(f'Unknown label_mode {label_mode!r}; choose from {IMAT_LABEL_MODES}')


@DATASETS.register_module()
class IMaterialistDataset(PhotoLabelDataset):
    """iMaterialist-2019 photos with converted label maps (see the module doc for layout and rules).

    Args:
        data_root: the output folder of ``tools/dataset_converters/imaterialist.py``.
        split: a split listed in ``splits/<split>.txt`` ('train' or 'val' as converted).
        label_mode: 'grouped4' (background / upper / lower / whole, the clothing4 grouping), 'fine' (background +
            the 46 categories, names from ``conversion.json``, generic names without it) or 'person' (any
            category vs background, from the fine maps).
        **kwargs: ``on_bad_sample`` ('error' or 'skip', :class:`BadSamplePolicyMixin`) and
            :class:`BaseSegDataset` arguments (pipeline, test_mode, indices, ...).

    The depth map of ``images/<ImageId>.jpg`` is ``depth/<ImageId>.png``.
    """

    METAINFO = dict(classes=tuple(GROUPED4_CLASSES), palette=list(GROUPED4_PALETTE))

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        label_mode: str = 'grouped4',
        metainfo: Optional[dict] = None,
        **kwargs,
    ):
        if label_mode not in IMAT_LABEL_MODES:
            raise ValueError(f'Unknown label_mode {label_mode!r}; choose from {IMAT_LABEL_MODES}')
        require_root(
            data_root,
            'iMaterialist',
            'Convert the data set first: python '
            'tools/dataset_converters/imaterialist.py --src <iMaterialist folder with train/, train.csv, '
            f'label_descriptions.json> --out {data_root}',
        )
        self.split = split
        self.label_mode = label_mode
        self.category_names, self.names_from = category_names(data_root)
        classes, palette, self.label_dir, self._label_map = label_mode_spec(label_mode, self.category_names)
        super().__init__(
            data_root, classes, palette, metainfo, img_suffix=IMAGE_SUFFIX, seg_map_suffix='.png', **kwargs
        )

    def get_label_map(self, new_classes: Optional[Sequence] = None) -> Optional[dict]:
        """{fine value: 1} for 'person'; None for the other modes (the maps hold the class indices)."""
        return self._label_map

    def list_samples(self) -> Listing:
        split_file, stems = read_split(self.data_root, self.split)
        label_root = osp.join(self.data_root, self.label_dir)
        if not osp.isdir(label_root):
            mode = 'grouped4' if self.label_dir == LABEL_DIRS['grouped4'] else 'fine'
            raise DatasetError(
                label_root,
                f'missing: label_mode={self.label_mode!r} reads it; convert with --mode {mode} or --mode both',
            )
        missing = f'listed in {SPLITS_DIR}/{self.split}.txt but missing'
        samples = []
        for stem in stems:
            photo = osp.join(self.data_root, IMAGES_DIR, stem + self.img_suffix)
            samples.append(
                Sample(
                    img_path=photo,
                    seg_map_path=osp.join(label_root, stem + self.seg_map_suffix),
                    sample_id=stem,
                    missing_problem=missing,
                    extra=dict(depth_path=depth_path_for(photo, self.data_root, IMAGES_DIR)),
                )
            )
        return Listing(split_file, 'no usable sample: every listed ImageId is bad (see the log)', samples)

    def describe(self) -> str:
        return f'{self.split}, label_mode={self.label_mode}, names from {self.names_from}'
