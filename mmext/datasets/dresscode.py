# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Dress Code (Morelli et al., ECCV 2022) as an mmseg dataset, read in its published layout.

::

    data_root/
      dresses/ upper_body/ lower_body/          (each:)
        images/NNNNNN_0.jpg                     model photo (1024 x 768)
        images/NNNNNN_1.jpg                     garment photo
        keypoints/NNNNNN_2.json                 18 OpenPose joints in a 384 x 512 frame
        label_maps/NNNNNN_4.png                 18-class human parsing
        skeletons/NNNNNN_5.jpg                  OpenPose-style skeleton drawing
        dense/NNNNNN_5.png, NNNNNN_5_uv.npz     DensePose labels and UV
        depth/NNNNNN_0.png                      relative inverse depth, 16-bit (precomputed; not in the
                                                published set)
        train_pairs.txt, test_pairs_paired.txt  "<model image> <garment image>" per line

Missing photos and label maps are found when the dataset is built; with the default
``on_bad_sample='error'`` they stop it (naming the file): a split that silently shrinks is worse than a run
that stops at once. With ``on_bad_sample='skip'`` they are left out and counted (see
:mod:`mmext.datasets.bad_sample_policy` and docs/bad_data.md).
"""

import os.path as osp
from typing import List, Sequence

from mmengine.logging import print_log
from mmseg.registry import DATASETS

from .dresscode_meta import CATEGORIES, LABEL_MODES, PARSING_CLASSES
from .errors import DatasetError
from .photo_label_dataset import LabelModeDataset, Listing, Sample

SPLIT_FILES = {'train': 'train_pairs.txt', 'test': 'test_pairs_paired.txt'}


@DATASETS.register_module()
class DressCodeDataset(LabelModeDataset):
    """Dress Code model photos with label maps, keypoints, skeletons and dense annotations.

    Args:
        data_root: the ``DressCode`` folder.
        split: 'train' (``train_pairs.txt``) or 'test' (``test_pairs_paired.txt``).
        categories: subset of ('dresses', 'upper_body', 'lower_body').
        label_mode: 'parsing' (the 18 classes), 'clothing4' (background / upper = upper_clothes /
            lower = skirt + pants / whole = dress) or 'person' (person / background).
        **kwargs: ``on_bad_sample`` ('error' or 'skip', :class:`BadSamplePolicyMixin`) and
            :class:`BaseSegDataset` arguments (pipeline, test_mode, indices, ...).

    Every data info holds ``img_path``, ``seg_map_path``, ``keypoints_path``, ``skeleton_path``,
    ``dense_path``, ``dense_uv_path``, ``depth_path``, ``garment_path``, ``category`` and ``sample_id``; the
    ``label_map`` of the chosen mode is applied by mmseg's ``LoadAnnotations``.
    """

    METAINFO = dict(classes=LABEL_MODES['parsing'][0], palette=LABEL_MODES['parsing'][1])
    LABEL_MODES = LABEL_MODES
    NATIVE_MODE = 'parsing'
    NUM_SOURCE_LABELS = len(PARSING_CLASSES)
    DATA_NAME = 'Dress Code'
    ROOT_HINT = (
        'Put the data set there, or generate the synthetic stand-in: python '
        'tools/misc/make_synthetic_dresscode.py --out {data_root}'
    )

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        categories: Sequence[str] = CATEGORIES,
        label_mode: str = 'parsing',
        **kwargs,
    ):
        if split not in SPLIT_FILES:
            raise ValueError(f'split must be one of {sorted(SPLIT_FILES)}, got {split!r}')
        unknown = set(categories) - set(CATEGORIES)
        if unknown or not categories:
            raise ValueError(f'categories must be a non-empty subset of {CATEGORIES}, got {categories}')
        self.categories = tuple(categories)
        super().__init__(data_root, split, label_mode, img_suffix='_0.jpg', seg_map_suffix='_4.png', **kwargs)

    def _read_split(self, category: str) -> List[str]:
        split_file = osp.join(self.data_root, category, SPLIT_FILES[self.split])
        if not osp.isfile(split_file):
            raise DatasetError(split_file, f'pair list of the {self.split!r} split is missing')
        ids, seen, repeats = [], set(), 0
        with open(split_file) as f:
            for line_no, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                if not fields[0].endswith(self.img_suffix):
                    raise DatasetError(
                        split_file, f'line {line_no}: expected "<NNNNNN_0.jpg> <garment>", got {line.strip()!r}'
                    )
                sample_id = fields[0][: -len(self.img_suffix)]
                if sample_id in seen:  # pair lists may pair one model image with several garments
                    repeats += 1
                    continue
                seen.add(sample_id)
                ids.append(sample_id)
        if not ids:
            raise DatasetError(split_file, 'pair list is empty')
        if repeats:
            print_log(f'{split_file}: {repeats} repeated model image(s) listed once', logger='current')
        return ids

    def list_samples(self) -> Listing:
        samples = []
        for category in self.categories:
            root = osp.join(self.data_root, category)
            missing = f'listed in {SPLIT_FILES[self.split]} of {category} but missing'
            for sample_id in self._read_split(category):
                extra = dict(
                    keypoints_path=osp.join(root, 'keypoints', f'{sample_id}_2.json'),
                    skeleton_path=osp.join(root, 'skeletons', f'{sample_id}_5.jpg'),
                    dense_path=osp.join(root, 'dense', f'{sample_id}_5.png'),
                    dense_uv_path=osp.join(root, 'dense', f'{sample_id}_5_uv.npz'),
                    depth_path=osp.join(root, 'depth', f'{sample_id}_0.png'),
                    garment_path=osp.join(root, 'images', f'{sample_id}_1.jpg'),
                    category=category,
                )
                samples.append(
                    Sample(
                        img_path=osp.join(root, 'images', sample_id + self.img_suffix),
                        seg_map_path=osp.join(root, 'label_maps', sample_id + self.seg_map_suffix),
                        sample_id=sample_id,
                        missing_problem=missing,
                        extra=extra,
                    )
                )
        return Listing(
            self.data_root,
            f'no usable sample in the {self.split!r} pair lists of '
            f'{", ".join(self.categories)} (every listed sample is bad; see the log)',
            samples,
        )

    def describe(self) -> str:
        return f'{self.split}, {", ".join(self.categories)}, label_mode={self.label_mode}'
