#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Convert Clothing Co-Parsing (CCP) to the layout CCPDataset reads: PNG label maps, photos, split lists.

Reads <src>/annotations/pixel-level/NNNN.mat (`groundtruth`: uint8 H x W, values 0..58), <src>/photos/NNNN.jpg
and <src>/label_list.mat, and writes

    <out>/labels/NNNN.png        the groundtruth, unchanged, as an 8-bit PNG
    <out>/photos                 a symlink to <src>/photos (or copies of the used photos: --copy-photos)
    <out>/splits/train.txt, val.txt   one stem per line: a seeded random split of the sorted stems
                                 (numpy default_rng(seed).permutation), or --val-list
    <out>/splits/fold<k>_train.txt, fold<k>_val.txt   --folds K cross-validation folds (default 5): the seeded
                                 permutation cut into K near-equal parts, part k held out; every stem is
                                 held out in exactly one fold
    <out>/label_list.txt         the 59 label names, index = value
    <out>/conversion.json        source folder and photo suffix, read by CCPDataset

Only photos with a pixel-level annotation are used. Re-running with the same arguments skips label maps
that are already there and leaves identical files alone; a file whose content would change (other seed,
other source, ...) is never replaced without --overwrite. A bad annotation (unreadable .mat, no
`groundtruth`, values above 58, size other than the photo's, a missing, unreadable or truncated photo) is
reported and skipped, and the exit status
is then 1 (2: nothing converted because the arguments or files were refused).

Example:
    python tools/dataset_converters/ccp.py --src ../shared/data/ccp --out data/ccp --val-fraction 0.2 --seed 0
"""

import argparse
import os
import os.path as osp
import sys
from typing import List, Tuple

import numpy as np

# mmext (and torch with it) is imported where it is used, so that --help answers at once. The shared conversion
# code (splits, label checks, writing the layout) is mmext.datasets.conversion.


# ----------------------------------------------------------------------------------------------- arguments
def parse_args(argv=None) -> argparse.Namespace:
    # tools/dataset_converters/people_clothing.py takes the same options but --src (tests/test_clothing_datasets.py
    # checks).
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--src', required=True, help='the CCP folder (photos/, annotations/pixel-level/)')
    parser.add_argument('--out', required=True, help='output folder (the data_root of CCPDataset)')
    parser.add_argument(
        '--val-fraction', type=float, default=0.2, help='share of the images in the val split (default: 0.2)'
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--seed', type=int, default=0, help='seed of the random split (default: 0)')
    group.add_argument('--val-list', help='file of val stems, one per line (NNNN or NNNN.<ext>); the rest is train')
    parser.add_argument(
        '--folds',
        type=int,
        default=5,
        help='also write this many cross-validation folds, splits/fold<k>_{train,val}.txt, seeded '
        'by --seed (default: 5; 0: none)',
    )
    parser.add_argument(
        '--copy-photos', action='store_true', help='copy the photos into <out>/photos instead of linking to the source'
    )
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace files whose content would change and convert every label map again',
    )
    args = parser.parse_args(argv)
    if not 0 <= args.val_fraction < 1:
        parser.error(f'--val-fraction must be in [0, 1), got {args.val_fraction}')
    if args.folds < 0 or args.folds == 1:
        parser.error(f'--folds must be 0 (none) or at least 2, got {args.folds}')
    if args.val_list is not None and not osp.isfile(args.val_list):
        parser.error(f'--val-list {args.val_list} is not a file')
    if not osp.isdir(args.src):
        parser.error(f'--src {args.src} is not a folder')
    if osp.realpath(args.out) == osp.realpath(args.src):
        parser.error('--out must be another folder than --src (the source is never written to)')
    return args


# ---------------------------------------------------------------------------------------------- CCP files
def load_ccp_label(sample) -> np.ndarray:
    """The ``groundtruth`` of a sample's .mat file, checked (:func:`mmext.datasets.conversion.check_label`)."""
    from scipy.io import loadmat

    from mmext.datasets.conversion import BadSample, check_label

    try:
        content = loadmat(sample.annotation)
    except Exception as error:  # scipy raises many types for broken files
        raise BadSample(f'unreadable .mat file ({type(error).__name__}: {error})') from None
    if 'groundtruth' not in content:
        raise BadSample(f'no `groundtruth` variable (has: {", ".join(k for k in content if not k.startswith("__"))})')
    return check_label(content['groundtruth'], sample.photo)


def read_ccp_label_names(src: str) -> Tuple[List[str], str]:
    """(59 names, where they came from) from <src>/label_list.mat, or the known CCP names without it."""
    from mmext.datasets.clothing_meta import CCP_CLASSES, NUM_CCP_LABELS
    from mmext.datasets.conversion import Refused

    path = osp.join(src, 'label_list.mat')
    if not osp.isfile(path):
        return list(CCP_CLASSES), f'the CCP names ({path} is missing)'
    from scipy.io import loadmat

    try:
        cells = np.asarray(loadmat(path)['label_list']).ravel()
        names = [str(np.asarray(cell).ravel()[0]) if np.asarray(cell).size else '' for cell in cells]
    except Exception as error:
        raise Refused(f'{path}: cannot read `label_list` ({type(error).__name__}: {error})') from None
    if len(names) != NUM_CCP_LABELS:
        raise Refused(f'{path}: expected {NUM_CCP_LABELS} label names, found {len(names)}')
    return names, path


def find_ccp_samples(src: str) -> list:
    """A :class:`mmext.datasets.conversion.SourceSample` per annotation ``annotations/pixel-level/NNNN.mat``."""
    from mmext.datasets.conversion import Refused, SourceSample

    annotations = osp.join(src, 'annotations', 'pixel-level')
    photos = osp.join(src, 'photos')
    for folder in (annotations, photos):
        if not osp.isdir(folder):
            raise Refused(f'{folder} is missing: --src must be the CCP folder (photos/, annotations/pixel-level/)')
    stems = sorted(name[: -len('.mat')] for name in os.listdir(annotations) if name.endswith('.mat'))
    if not stems:
        raise Refused(f'{annotations} holds no .mat files')
    return [
        SourceSample(stem=stem, photo=osp.join(photos, stem + '.jpg'), annotation=osp.join(annotations, stem + '.mat'))
        for stem in stems
    ]


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.datasets.clothing_meta import CCP_CLASSES
    from mmext.datasets.conversion import EXIT_REFUSED, Refused, convert

    try:
        samples = find_ccp_samples(args.src)
        names, names_from = read_ccp_label_names(args.src)
        if names != list(CCP_CLASSES):
            print(f'warning: the label names of {names_from} differ from the CCP names mmext uses', file=sys.stderr)
        return convert(
            samples,
            load_ccp_label,
            args,
            name='ccp',
            photo_suffix='.jpg',
            label_names=names,
            names_from=names_from,
            photos_dir_link=osp.join(args.src, 'photos'),
        )
    except Refused as error:
        print(f'error: {error}', file=sys.stderr)
        return EXIT_REFUSED


if __name__ == '__main__':
    sys.exit(main())
