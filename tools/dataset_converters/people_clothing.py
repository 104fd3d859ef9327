#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Convert Kaggle's "People Clothing Segmentation" (CCP as PNGs) to the layout CCPDataset reads.

Reads <src>/png_images/IMAGES/img_NNNN.png, <src>/png_masks/MASKS/seg_NNNN.png (values 0..58, the CCP labels)
and, if present, <src>/labels_class_dict.csv, and writes the same layout as ccp.py:

    <out>/photos/NNNN.png        links to the source photos (or copies: --copy-photos)
    <out>/labels/NNNN.png        the masks, as 8-bit label maps
    <out>/splits/train.txt, val.txt, <out>/label_list.txt, <out>/conversion.json

JPEG masks are refused: JPEG is lossy, so jpeg_masks/ holds label values smeared across class borders
(and values that are no label at all); they must never be used for training or evaluation.

Re-running with the same arguments skips label maps already there and leaves identical files alone; a file
whose content would change is never replaced without --overwrite. A bad mask (unreadable, values above 58,
a colour image, size other than the photo's) is reported and skipped; the exit status is then 1 (2: refused).

Example:
    python tools/dataset_converters/people_clothing.py --src data/people_clothing_kaggle --out data/people_clothing
"""

import argparse
import csv
import os
import os.path as osp
import sys
from typing import List, Tuple

import numpy as np
from PIL import Image

# mmext (and torch with it) is imported where it is used, so that --help answers at once. The shared conversion
# code (splits, label checks, writing the layout) is mmext.datasets.conversion.

IMAGES_DIR = osp.join('png_images', 'IMAGES')
MASKS_DIR = osp.join('png_masks', 'MASKS')
JPEG_MASKS_DIR = 'jpeg_masks'
CLASS_CSV = 'labels_class_dict.csv'
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
JPEG_SIGNATURE = b'\xff\xd8\xff'
JPEG_EXPLANATION = (
    'JPEG masks are lossy: compression changes label values along class borders and creates values '
    'that are no label, so they must not be used. Use the PNG masks (png_masks/MASKS/seg_NNNN.png) '
    'of the Kaggle download.'
)


def parse_args(argv=None) -> argparse.Namespace:
    # The options of tools/dataset_converters/ccp.py (tests/test_clothing_datasets.py checks), --src aside.
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--src', required=True, help='the Kaggle folder (png_images/IMAGES, png_masks/MASKS)')
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


def find_samples(src: str) -> list:
    """A :class:`mmext.datasets.conversion.SourceSample` per mask ``seg_NNNN.*``; refuses when any mask is not a
    PNG file."""
    from mmext.datasets.conversion import Refused, SourceSample

    masks = osp.join(src, MASKS_DIR)
    if not osp.isdir(masks):
        if osp.isdir(osp.join(src, JPEG_MASKS_DIR)):
            raise Refused(f'{src} has {JPEG_MASKS_DIR}/ but no {MASKS_DIR}/. {JPEG_EXPLANATION}')
        raise Refused(
            f'{masks} is missing: --src must be the People Clothing folder ({IMAGES_DIR}/img_NNNN.png, '
            f'{MASKS_DIR}/seg_NNNN.png)'
        )
    names = sorted(name for name in os.listdir(masks) if name.startswith('seg_'))
    not_png = []
    for name in names:
        with open(osp.join(masks, name), 'rb') as f:
            head = f.read(len(PNG_SIGNATURE))
        if not name.lower().endswith('.png') or head != PNG_SIGNATURE:
            kind = (
                'a JPEG file'
                if head.startswith(JPEG_SIGNATURE) or name.lower().endswith(('.jpg', '.jpeg'))
                else 'not a PNG file'
            )
            not_png.append(f'{osp.join(masks, name)} is {kind}')
    if not_png:
        listed = '\n  '.join(not_png[:10]) + (f'\n  ... and {len(not_png) - 10} more' if len(not_png) > 10 else '')
        raise Refused(f'{len(not_png)} mask(s) are not PNG:\n  {listed}\n{JPEG_EXPLANATION}')
    if not names:
        raise Refused(f'{masks} holds no seg_NNNN.png masks')
    images = osp.join(src, IMAGES_DIR)
    return [
        SourceSample(
            stem=name[len('seg_') : -len('.png')],
            photo=osp.join(images, 'img_' + name[len('seg_') :]),
            annotation=osp.join(masks, name),
        )
        for name in names
    ]


def load_mask(sample) -> np.ndarray:
    """The label map of a sample's mask PNG, checked (:func:`mmext.datasets.conversion.check_label`)."""
    from mmext.datasets.conversion import BadSample, check_label

    try:
        with Image.open(sample.annotation) as image:
            image.load()
            mode = image.mode
            mask = np.array(image)  # palette images give their indices, which are the labels
    except Exception as error:  # PIL raises many types for broken files
        raise BadSample(f'unreadable mask ({type(error).__name__}: {error})') from None
    if mask.ndim == 3:
        channels = mask[..., :3]
        if not (channels == channels[..., :1]).all():
            raise BadSample(f'a colour mask ({mode}) whose channels differ; expected one label value per pixel')
        mask = channels[..., 0]
    return check_label(mask, sample.photo)


def read_label_names(src: str) -> Tuple[List[str], str]:
    """(59 names, where they came from): the first column (or `class_name`) of labels_class_dict.csv."""
    from mmext.datasets.clothing_meta import CCP_CLASSES, NUM_CCP_LABELS
    from mmext.datasets.conversion import Refused

    path = osp.join(src, CLASS_CSV)
    if not osp.isfile(path):
        return list(CCP_CLASSES), f'the CCP names ({path} is missing)'
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    if not rows:
        raise Refused(f'{path} is empty')
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index('class_name') if 'class_name' in header else 0
    names = [row[column].strip() for row in rows[1:] if row and len(row) > column]
    if len(names) != NUM_CCP_LABELS:
        raise Refused(f'{path}: expected {NUM_CCP_LABELS} label names after the header, found {len(names)}')
    return names, path


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.datasets.clothing_meta import CCP_CLASSES
    from mmext.datasets.conversion import EXIT_REFUSED, Refused, convert

    try:
        samples = find_samples(args.src)
        names, names_from = read_label_names(args.src)
        if names != list(CCP_CLASSES):
            print(f'warning: the label names of {names_from} differ from the CCP names mmext uses', file=sys.stderr)
        return convert(
            samples,
            load_mask,
            args,
            name='people_clothing',
            photo_suffix='.png',
            label_names=names,
            names_from=names_from,
        )
    except Refused as error:
        print(f'error: {error}', file=sys.stderr)
        return EXIT_REFUSED


if __name__ == '__main__':
    sys.exit(main())
