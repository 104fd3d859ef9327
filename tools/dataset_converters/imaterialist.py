#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Convert iMaterialist (Fashion) 2019 (Kaggle FGVC6) to PNG label maps that IMaterialistDataset reads.

Reads <src>/train/<ImageId>.jpg, <src>/train.csv (ImageId, EncodedPixels, Height, Width, ClassId; one mask per
row) and <src>/label_descriptions.json (the 46 category names), and writes

    <out>/images                       a symlink to <src>/train (or copies of the used images: --copy-images)
    <out>/labels_fine/<ImageId>.png    --mode fine or both: 0 background, category id + 1 (1..46)
    <out>/labels_grouped4/<ImageId>.png  --mode grouped4 or both: clothing4 grouping, 0 background, 1 upper
                                       (categories 0-5), 2 lower (6-8), 3 whole body (9-12); the rest is 0
    <out>/splits/train.txt, val.txt    one ImageId per line: a seeded random split of the sorted ImageIds
                                       (numpy default_rng(seed).permutation), val share --val-fraction
    <out>/conversion.json              category names (from label_descriptions.json), grouping, rules, source

EncodedPixels is run-length text: pairs of 1-based start and run length over the pixels numbered
column-major (top to bottom, then left to right) in a Height x Width image (mmext.datasets.rle). ClassId is
"<category>" or "<category>_<attr>_<attr>..."; attributes are ignored.

Overlapping masks: in the fine maps the smallest mask (fewest pixels) wins, ties to the smaller category id,
then to the earlier row -- garment parts such as sleeves and pockets lie inside their garment and stay
visible. In the grouped4 maps upper beats lower beats whole ("upper" as in the TopFormer-vs-U2Net clothing
study; lower over whole is this converter's choice); categories outside the grouping never cover a garment.

A bad row (EncodedPixels not integer pairs, a run outside the image, Height x Width other than the image's,
an unknown category, a missing, unreadable or truncated image) is reported with its line and its image is skipped (left
out of the splits); the exit status is then 1. Re-running with the same arguments skips label maps already
there and leaves identical files alone; a file whose content would change (other seed, source, mode, ...) is
never replaced without --overwrite (exit status 2: refused, nothing written).

--limit N converts only the first N distinct ImageIds in the order of train.csv (for quick trials). The rows
of train.csv are held in memory while converting (about the size of the file).

Example:
    python tools/dataset_converters/imaterialist.py --src data/imaterialist_raw --out data/imaterialist
"""

import argparse
import csv
import io
import json
import os
import os.path as osp
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image

# mmext (and torch with it) is imported where it is used, so that --help answers at once. The split and file
# helpers shared with the CCP converters are mmext.datasets.conversion.

CSV_COLUMNS = ('ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId')
MODES = {'fine': ('fine',), 'grouped4': ('grouped4',), 'both': ('fine', 'grouped4')}
FINE_RULE = (
    'value = category id + 1, 0 background; overlaps: the smallest mask (fewest pixels) wins, ties to '
    'the smaller category id, then to the earlier train.csv row'
)
# Recorded in conversion.json as written (a re-run compares the file): "study 1" is the TopFormer-vs-U2Net clothing
# study (docs/studies.md).
GROUPED4_RULE = (
    'categories 0-5 upper (1), 6-8 lower (2), 9-12 whole (3), others background (0); overlaps: '
    'upper > lower > whole (upper as in study 1); ungrouped categories never cover a garment'
)


@dataclass(frozen=True)
class Row:
    line: int  # line of train.csv where the row ends (1-based, the header is line 1)
    encoded: str
    height: str
    width: str
    class_id: str


# ----------------------------------------------------------------------------------------------- arguments
def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        '--src', required=True, help='the iMaterialist folder (train/, train.csv, label_descriptions.json)'
    )
    parser.add_argument('--out', required=True, help='output folder (the data_root of IMaterialistDataset)')
    parser.add_argument(
        '--mode',
        choices=sorted(MODES),
        default='both',
        help='label maps to write: fine (46 categories), grouped4 (upper / lower / whole) or both (default)',
    )
    parser.add_argument(
        '--val-fraction', type=float, default=0.1, help='share of the images in the val split (default: 0.1)'
    )
    parser.add_argument('--seed', type=int, default=0, help='seed of the random split (default: 0)')
    parser.add_argument(
        '--copy-images',
        action='store_true',
        help='copy the used images into <out>/images instead of linking to <src>/train',
    )
    parser.add_argument('--limit', type=int, help='convert only the first N ImageIds of train.csv')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace files whose content would change and convert every image again',
    )
    args = parser.parse_args(argv)
    if not 0 <= args.val_fraction < 1:
        parser.error(f'--val-fraction must be in [0, 1), got {args.val_fraction}')
    if args.limit is not None and args.limit < 1:
        parser.error(f'--limit must be at least 1, got {args.limit}')
    if not osp.isdir(args.src):
        parser.error(f'--src {args.src} is not a folder')
    if osp.realpath(args.out) == osp.realpath(args.src):
        parser.error('--out must be another folder than --src (the source is never written to)')
    return args


# --------------------------------------------------------------------------------------------- source files
def read_category_names(src: str) -> Tuple[List[str], str]:
    """(category names, index = id; where they came from) from <src>/label_descriptions.json; generic names
    (with a warning) when the file is missing."""
    from mmext.datasets.conversion import Refused
    from mmext.datasets.imaterialist import IMAT_WHOLE, NUM_IMAT_CATEGORIES, generic_category_names

    path = osp.join(src, 'label_descriptions.json')
    if not osp.isfile(path):
        print(f'warning: {path} is missing: the categories get generic names category_<id>', file=sys.stderr)
        return generic_category_names(), f'generic names ({path} is missing)'
    try:
        with open(path) as f:
            categories = json.load(f)['categories']
        by_id = {int(c['id']): str(c['name']).strip() for c in categories}
    except (ValueError, KeyError, TypeError) as error:
        raise Refused(
            f'{path}: expected {{"categories": [{{"id": ..., "name": ...}}, ...]}} ({type(error).__name__}: {error})'
        ) from None
    if sorted(by_id) != list(range(len(by_id))) or len(by_id) != len(categories):
        raise Refused(f'{path}: category ids must be 0..N-1, each once; found {sorted(by_id)}')
    names = [by_id[i] for i in range(len(by_id))]
    if len(set(names)) != len(names) or not all(names) or 'background' in names:
        raise Refused(f'{path}: category names must be distinct, non-empty and other than "background"')
    if len(names) <= max(IMAT_WHOLE) or len(names) > 254:
        raise Refused(
            f'{path}: {len(names)} categories; the grouping needs at least {max(IMAT_WHOLE) + 1} and '
            'uint8 label maps hold at most 254'
        )
    if len(names) != NUM_IMAT_CATEGORIES:
        print(
            f'warning: {path} lists {len(names)} categories, iMaterialist-2019 has {NUM_IMAT_CATEGORIES}',
            file=sys.stderr,
        )
    return names, path


def read_rows(csv_path: str, limit=None) -> Tuple[Dict[str, List[Row]], List[str]]:
    """({ImageId: rows in file order}, problems of rows that name no image). ``limit``: keep the first
    ``limit`` distinct ImageIds only."""
    from mmext.datasets.conversion import Refused
    from mmext.utils.progress import progress

    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # EncodedPixels of a large mask is a long field
    rows: Dict[str, List[Row]] = {}
    orphans = []
    try:
        with open(csv_path, newline='') as f:
            reader = csv.DictReader(f)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise Refused(
                    f'{csv_path}: column(s) {", ".join(missing)} missing (has: '
                    f'{", ".join(reader.fieldnames or [])}); expected {", ".join(CSV_COLUMNS)}'
                )
            for record in progress(reader, desc='train.csv', unit='row', file=sys.stderr):
                image_id = (record['ImageId'] or '').strip()
                if not image_id or None in record.values():
                    orphans.append(
                        f'{csv_path} line {reader.line_num}: '
                        f'{"no ImageId" if not image_id else "fewer columns than the header"}'
                    )
                    continue
                if image_id not in rows:
                    if limit is not None and len(rows) >= limit:
                        continue
                    rows[image_id] = []
                rows[image_id].append(
                    Row(
                        line=reader.line_num,
                        encoded=record['EncodedPixels'] or '',
                        height=record['Height'],
                        width=record['Width'],
                        class_id=record['ClassId'] or '',
                    )
                )
    except (UnicodeDecodeError, csv.Error) as error:  # not text, or not csv
        raise Refused(f'{csv_path}: not readable as UTF-8 csv ({error})') from None
    return rows, orphans


def parse_category(class_id: str, num_categories: int) -> int:
    """The category of a ClassId "<category>" or "<category>_<attr>_..." (attributes ignored)."""
    head = class_id.strip().split('_', 1)[0]
    try:
        category = int(head)
    except ValueError:
        raise ValueError(f'ClassId {class_id!r} does not start with a category number') from None
    if not 0 <= category < num_categories:
        raise ValueError(f'ClassId {class_id!r}: category {category} is not in 0..{num_categories - 1}')
    return category


def image_size_hw(path: str) -> Tuple[int, int]:
    """(H, W) of an image that exists and is complete (checked without decoding it)."""
    from mmext.datasets.conversion import BadSample
    from mmext.datasets.errors import DatasetError
    from mmext.datasets.sample_checks import check_image_file

    try:
        data = check_image_file(path, 'image')
    except DatasetError as error:
        raise BadSample(f'image {error}') from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception as error:  # PIL raises many types for broken files
        raise BadSample(f'image {path} is unreadable ({error})') from None
    return height, width


# ------------------------------------------------------------------------------------------- rasterising
def decode_rows(rows: Sequence[Row], height: int, width: int, num_categories: int) -> List[Tuple[np.ndarray, int]]:
    """[(mask, category)] of the rows of one image; BadSample naming every bad row."""
    from mmext.datasets.conversion import BadSample
    from mmext.datasets.rle import decode_rle

    decoded, problems = [], []
    for row in rows:
        try:
            try:
                h, w = int(row.height), int(row.width)
            except ValueError:
                raise ValueError(f'Height {row.height!r} / Width {row.width!r} are not integers') from None
            category = parse_category(row.class_id, num_categories)
            if (h, w) != (height, width):
                raise ValueError(f'Height x Width is {h} x {w} but the image is {height} x {width}')
            decoded.append((decode_rle(row.encoded, h, w), category))
        except ValueError as error:
            problems.append(f'line {row.line}: {error}')
    if problems:
        raise BadSample('; '.join(problems))
    return decoded


def fine_label(masks: Sequence[Tuple[np.ndarray, int]], shape: Tuple[int, int]) -> np.ndarray:
    """uint8 map, category id + 1 where a mask lies, 0 elsewhere; overlaps: smallest mask, then smallest
    category id, then earliest row."""
    from mmext.datasets.imaterialist import fine_value

    areas = [int(mask.sum()) for mask, _ in masks]
    # Paint the winners last: largest area first, and among equal areas larger ids and later rows first.
    order = sorted(range(len(masks)), key=lambda i: (-areas[i], -masks[i][1], -i))
    label = np.zeros(shape, np.uint8)
    for i in order:
        mask, category = masks[i]
        label[mask] = fine_value(category)
    return label


def grouped4_label(masks: Sequence[Tuple[np.ndarray, int]], shape: Tuple[int, int]) -> np.ndarray:
    """uint8 map of the grouped4 groups; overlaps go to the group first in GROUPED4_PRIORITY (upper)."""
    from mmext.datasets.imaterialist import GROUPED4_PRIORITY, grouped4_of_category

    label = np.zeros(shape, np.uint8)
    for group in reversed(GROUPED4_PRIORITY):  # highest priority painted last
        for mask, category in masks:
            if grouped4_of_category(category) == group:
                label[mask] = group
    return label


LABEL_MAKERS = {'fine': fine_label, 'grouped4': grouped4_label}


def convert_image(
    rows: Sequence[Row], image_path: str, num_categories: int, modes: Sequence[str]
) -> Dict[str, np.ndarray]:
    """{mode: label map} of one image; BadSample when the image or a row is bad."""
    height, width = image_size_hw(image_path)
    masks = decode_rows(rows, height, width, num_categories)
    return {mode: LABEL_MAKERS[mode](masks, (height, width)) for mode in modes}


def read_label(path: str):
    try:
        with Image.open(path) as image:
            return np.array(image)
    except Exception:  # an unreadable file counts as different
        return None


# -------------------------------------------------------------------------------------------- the converter
def convert(args: argparse.Namespace) -> int:
    from mmext.datasets.conversion import (
        EXIT_BAD_FILES,
        EXIT_OK,
        EXIT_REFUSED,
        BadSample,
        Refused,
        photo_state,
        place_photo,
        read_lines,
        read_text,
        refuse_or_announce,
        remove_path,
        same_target,
        split_stems,
        write_split_lists,
    )
    from mmext.datasets.depth_maps import write_png_atomic
    from mmext.datasets.imaterialist import (
        GROUPED4_CLASSES,
        IMAGE_SUFFIX,
        IMAGES_DIR,
        IMAT_LOWER,
        IMAT_UPPER,
        IMAT_WHOLE,
        LABEL_DIRS,
        MANIFEST_FILE,
        SPLITS_DIR,
    )
    from mmext.utils.atomic_io import atomic_write
    from mmext.utils.progress import progress, write

    start = time.time()
    src, out, overwrite, copy = args.src, args.out, args.overwrite, args.copy_images
    modes = MODES[args.mode]
    train_dir, csv_path = osp.join(src, 'train'), osp.join(src, 'train.csv')
    for path, what in ((train_dir, 'folder of images'), (csv_path, 'mask table')):
        if not osp.exists(path):
            raise Refused(
                f'{path} ({what}) is missing: --src must be the iMaterialist folder (train/, train.csv, '
                'label_descriptions.json)'
            )
    names, names_from = read_category_names(src)
    rows, orphans = read_rows(csv_path, args.limit)
    if not rows:
        raise Refused(f'{csv_path} holds no rows with an ImageId')
    image_ids = sorted(rows)
    train_all, val_all = split_stems(image_ids, args.val_fraction, args.seed)
    split_text = f'seed {args.seed}, val fraction {args.val_fraction}'

    manifest = (
        json.dumps(
            dict(
                converter='imaterialist',
                source=osp.realpath(src),
                modes=list(modes),
                limit=args.limit,
                images='copy' if copy else 'folder link',
                image_suffix=IMAGE_SUFFIX,
                categories=names,
                categories_from=names_from,
                fine=FINE_RULE,
                grouped4=dict(
                    classes=list(GROUPED4_CLASSES),
                    upper=list(IMAT_UPPER),
                    lower=list(IMAT_LOWER),
                    whole=list(IMAT_WHOLE),
                    rule=GROUPED4_RULE,
                ),
            ),
            indent=2,
        )
        + '\n'
    )
    planned_splits = {osp.join(SPLITS_DIR, 'train.txt'): train_all, osp.join(SPLITS_DIR, 'val.txt'): val_all}
    label_dirs = {mode: osp.join(out, LABEL_DIRS[mode]) for mode in modes}

    # 1. Everything that would change, before anything is written.
    conflicts = []
    manifest_path = osp.join(out, MANIFEST_FILE)
    if osp.lexists(manifest_path) and (not osp.isfile(manifest_path) or read_text(manifest_path) != manifest):
        conflicts.append(f'{manifest_path} exists with other content (another source, mode, limit or names)')
    for relative, planned in planned_splits.items():
        # An earlier run with the same arguments listed the planned ids less the bad ones (which got no maps).
        path = osp.join(out, relative)
        if osp.isfile(path):
            listed = set(read_lines(path))
            unlisted = [s for s in planned if s not in listed]
            converted_before = any(osp.lexists(osp.join(d, s + '.png')) for s in unlisted for d in label_dirs.values())
            if not listed <= set(planned) or converted_before:
                conflicts.append(f'{path} holds a different split than {split_text}')
    images_out = osp.join(out, IMAGES_DIR)
    if not copy:
        if osp.lexists(images_out) and not same_target(images_out, train_dir):
            conflicts.append(f'{images_out} exists and is not a link to {osp.realpath(train_dir)}')
    elif osp.islink(images_out) or (osp.lexists(images_out) and not osp.isdir(images_out)):
        conflicts.append(f'{images_out} exists and is not a folder of copies')
    else:
        for image_id in image_ids:
            destination = osp.join(images_out, image_id + IMAGE_SUFFIX)
            state = photo_state(osp.join(train_dir, image_id + IMAGE_SUFFIX), destination, True)
            if state not in ('absent', 'same'):
                conflicts.append(f'{destination} is {state}, not a copy of the source image')
    if not refuse_or_announce(out, conflicts, overwrite):
        return EXIT_REFUSED

    # 2. Manifest and the image folder.
    if not (osp.isfile(manifest_path) and not osp.islink(manifest_path) and read_text(manifest_path) == manifest):
        remove_path(manifest_path)
        atomic_write(manifest_path, manifest)
    if not copy:
        if not same_target(images_out, train_dir):
            remove_path(images_out)
            os.makedirs(out, exist_ok=True)
            os.symlink(osp.realpath(train_dir), images_out)
    elif osp.islink(images_out) or (osp.lexists(images_out) and not osp.isdir(images_out)):
        remove_path(images_out)
    for folder in label_dirs.values():
        os.makedirs(folder, exist_ok=True)
    for mode, folder in LABEL_DIRS.items():
        if mode not in modes and osp.isdir(osp.join(out, folder)):
            print(
                f'warning: {osp.join(out, folder)} is left from an earlier conversion with another --mode; it is '
                'not updated and may not match the split lists any more',
                file=sys.stderr,
            )

    # 3. Label maps (and copied images).
    converted, skipped, bad, changed = 0, 0, [], []
    for image_id in progress(image_ids, desc='imaterialist labels', unit='img', file=sys.stderr):
        image_path = osp.join(train_dir, image_id + IMAGE_SUFFIX)
        targets = {mode: osp.join(folder, image_id + '.png') for mode, folder in label_dirs.items()}
        if not overwrite and all(osp.isfile(path) for path in targets.values()):
            skipped += 1
        else:
            try:
                labels = convert_image(rows[image_id], image_path, len(names), modes)
            except BadSample as error:
                bad.append(image_id)
                write(f'bad: {image_id}: {error} -- image skipped', file=sys.stderr)
                continue
            for mode, path in targets.items():
                if osp.isfile(path) and not overwrite:
                    existing = read_label(path)
                    if existing is not None and np.array_equal(existing, labels[mode]):
                        continue  # identical: left alone
                    changed.append(path)
                    continue
                write_png_atomic(path, labels[mode])
            converted += 1
        if copy:
            destination = osp.join(images_out, image_id + IMAGE_SUFFIX)
            if photo_state(image_path, destination, True) != 'same':
                place_photo(image_path, destination, True)
    if changed:
        print(
            f'error: {len(changed)} label map(s) would change and were left as they were (e.g. {changed[0]}); '
            'pass --overwrite to replace them.',
            file=sys.stderr,
        )

    # 4. Split lists without the bad images.
    final_splits, split_conflicts = write_split_lists(out, planned_splits, bad, overwrite, 'convertible images')

    # 5. Summary.
    for problem in orphans:
        print(f'bad: {problem} -- row ignored', file=sys.stderr)
    num_train, num_val = (len(v) for v in final_splits.values())
    print(
        f'imaterialist: {len(image_ids)} images in train.csv{f" (--limit {args.limit})" if args.limit else ""}: '
        f'converted {converted}, skipped existing {skipped}, bad {len(bad)}; rows without an image '
        f'{len(orphans)} ({time.time() - start:.1f} s)'
    )
    if bad:
        print(f'bad images (left out of the splits): {", ".join(bad[:20])}{" ..." if len(bad) > 20 else ""}')
    written = [(f'{IMAGES_DIR}/<ImageId>{IMAGE_SUFFIX}', 'copies' if copy else f'link to {osp.realpath(train_dir)}')]
    if 'fine' in modes:
        written.append((f'{LABEL_DIRS["fine"]}/<ImageId>.png', f'0 background, category id + 1 (1..{len(names)})'))
    if 'grouped4' in modes:
        written.append((f'{LABEL_DIRS["grouped4"]}/<ImageId>.png', '0 background, 1 upper, 2 lower, 3 whole'))
    written += [
        (f'{SPLITS_DIR}/train.txt', f'{num_train} ImageIds ({split_text})'),
        (f'{SPLITS_DIR}/val.txt', f'{num_val} ImageIds'),
        (MANIFEST_FILE, f'category names from {names_from}, grouping and overlap rules'),
    ]
    print(f'Wrote {osp.abspath(out)}:')
    for relative, what in written:
        print(f'  {relative:<32} {what}')
    mode = 'grouped4' if 'grouped4' in modes else 'fine'
    print(f"Use it with dict(type='IMaterialistDataset', data_root='{out}', split='train', label_mode='{mode}')")
    if split_conflicts or changed:
        return EXIT_REFUSED
    return EXIT_BAD_FILES if bad or orphans else EXIT_OK


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.datasets.conversion import EXIT_REFUSED, Refused

    try:
        return convert(args)
    except Refused as error:
        print(f'error: {error}', file=sys.stderr)
        return EXIT_REFUSED


if __name__ == '__main__':
    sys.exit(main())
