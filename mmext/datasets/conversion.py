# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Converting a segmentation data set to label maps, photos and split lists: what the converters share.

``tools/dataset_converters/ccp.py`` and ``people_clothing.py`` write the layout :class:`CCPDataset` reads
(:mod:`mmext.datasets.clothing`) with :func:`convert`; ``imaterialist.py`` writes its own label folders and
uses the split and file helpers. The pieces:

- splits: a seeded random train / val split (:func:`split_stems`), cross-validation folds
  (:func:`fold_stems`), a val list given as a file (:func:`read_val_list`);
- label checks: an integer H x W map with values below the label count, the size of a complete photo
  (:func:`check_label`); a bad annotation raises :class:`BadSample` and is skipped and reported;
- writing: nothing is replaced without ``overwrite`` (:class:`Refused` before anything is written when an
  earlier conversion with other arguments is in the way), identical files are left alone, every file is
  written atomically.

Exit statuses of the converters: :data:`EXIT_OK`, :data:`EXIT_BAD_FILES` (some annotations skipped) and
:data:`EXIT_REFUSED` (nothing converted because the arguments or files were refused).
"""

import argparse
import filecmp
import io
import json
import os
import os.path as osp
import shutil
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np
from PIL import Image

from mmext.utils.atomic_io import atomic_write
from mmext.utils.progress import progress, write

from .clothing import LABEL_LIST_FILE, LABELS_DIR, MANIFEST_FILE, PHOTOS_DIR, SPLITS_DIR
from .clothing_meta import NUM_CCP_LABELS
from .depth_maps import write_png_atomic
from .errors import DatasetError
from .sample_checks import check_image_file

EXIT_OK, EXIT_BAD_FILES, EXIT_REFUSED = 0, 1, 2


class BadSample(Exception):
    """An annotation that cannot be converted; the message says why."""


class Refused(Exception):
    """The conversion cannot start (bad source layout or arguments); the message says what to do."""


@dataclass(frozen=True, kw_only=True)
class SourceSample:
    """One annotated photo of the source data set."""

    stem: str  # the name the converted files get (labels/<stem>.png, photos/<stem><suffix>)
    photo: str  # source photo
    annotation: str  # source annotation (.mat or mask PNG)


# -------------------------------------------------------------------------------------------------- splits
def split_stems(stems: Sequence[str], val_fraction: float, seed: int) -> Tuple[List[str], List[str]]:
    """(train, val), each sorted: ``round(val_fraction * n)`` stems of the sorted ``stems`` go to val, picked by
    the first entries of ``numpy.random.default_rng(seed).permutation(n)``."""
    ordered = sorted(stems)
    num_val = int(round(val_fraction * len(ordered)))
    permutation = np.random.default_rng(seed).permutation(len(ordered))
    val = {ordered[i] for i in permutation[:num_val]}
    return [s for s in ordered if s not in val], [s for s in ordered if s in val]


def fold_stems(stems: Sequence[str], folds: int, seed: int) -> List[Tuple[List[str], List[str]]]:
    """(train, val) of each fold, each sorted: the sorted ``stems`` in the order of
    ``numpy.random.default_rng(seed).permutation(n)``, cut into ``folds`` parts of near-equal size
    (``numpy.array_split``); fold k holds out part k."""
    ordered = sorted(stems)
    permutation = np.random.default_rng(seed).permutation(len(ordered))
    parts = [{ordered[i] for i in part} for part in np.array_split(permutation, folds)]
    return [([s for s in ordered if s not in val], [s for s in ordered if s in val]) for val in parts]


def fold_split_lists(stems: Sequence[str], folds: int, seed: int) -> Dict[str, List[str]]:
    """Relative path -> stems of every fold's split lists (none for ``folds=0``)."""
    lists = {}
    for k, (train, val) in enumerate(fold_stems(stems, folds, seed) if folds else []):
        lists[osp.join(SPLITS_DIR, f'fold{k}_train.txt')] = train
        lists[osp.join(SPLITS_DIR, f'fold{k}_val.txt')] = val
    return lists


def read_val_list(path: str, stems: Sequence[str]) -> Set[str]:
    """Val stems from ``path`` (blank lines and # comments ignored; an extension is dropped)."""
    known, val, unknown = set(stems), set(), []
    with open(path) as f:
        for line in f:
            entry = line.split('#', 1)[0].strip()
            if not entry:
                continue
            stem = osp.splitext(osp.basename(entry))[0]
            if stem in known:
                val.add(stem)
            else:
                unknown.append(stem)
    if unknown:
        raise Refused(
            f'{path}: {len(unknown)} stem(s) without an annotated image in the source: '
            f'{", ".join(unknown[:10])}{" ..." if len(unknown) > 10 else ""}'
        )
    return val


def plan_split(stems: Sequence[str], args: argparse.Namespace) -> Tuple[List[str], List[str], str]:
    """(train, val, description) from ``args.val_list`` (--val-list) or ``args.seed`` / ``args.val_fraction``."""
    if args.val_list:
        val = read_val_list(args.val_list, stems)
        ordered = sorted(stems)
        return [s for s in ordered if s not in val], [s for s in ordered if s in val], f'val list {args.val_list}'
    train, val = split_stems(stems, args.val_fraction, args.seed)
    return train, val, f'seed {args.seed}, val fraction {args.val_fraction}'


# ---------------------------------------------------------------------------------------- label validation
def photo_size_hw(photo: str) -> Tuple[int, int]:
    """(H, W) of a photo that exists and is complete (a truncated JPEG or PNG is refused: decoders read it
    without an error and training would see grey rows)."""
    try:
        data = check_image_file(photo, 'photo')
    except DatasetError as error:
        raise BadSample(f'its photo {error}') from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception as error:  # PIL raises many types for broken files
        raise BadSample(f'its photo {photo} is unreadable ({error})') from None
    return height, width


def check_label(label, photo: str, num_labels: int = NUM_CCP_LABELS) -> np.ndarray:
    """``label`` as uint8 if it is an integer H x W map with values < num_labels, the size of ``photo``."""
    if not isinstance(label, np.ndarray) or label.ndim != 2:
        raise BadSample(f'label map must be a 2-D array, got {getattr(label, "shape", type(label).__name__)}')
    if not (np.issubdtype(label.dtype, np.integer) or label.dtype == bool):
        raise BadSample(f'label map must hold integers, got {label.dtype}')
    if label.size and (label.min() < 0 or label.max() >= num_labels):
        raise BadSample(f'values must be 0..{num_labels - 1}, found {int(label.min())}..{int(label.max())}')
    height, width = photo_size_hw(photo)
    if label.shape != (height, width):
        raise BadSample(
            f'label map is {label.shape[0]} x {label.shape[1]} (H x W) but the photo {photo} is {height} x {width}'
        )
    return label.astype(np.uint8)


# ------------------------------------------------------------------------------------------- writing files
def read_text(path: str) -> str:
    with open(path) as f:
        return f.read()


def read_lines(path: str) -> List[str]:
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def lines(items: Sequence[str]) -> str:
    return ''.join(f'{item}\n' for item in items)


def same_target(link: str, target: str) -> bool:
    return osp.islink(link) and osp.realpath(link) == osp.realpath(target)


def photo_state(source: str, destination: str, copy: bool) -> str:
    """'absent', 'same' or a description of what is at ``destination`` instead."""
    if not osp.lexists(destination):
        return 'absent'
    if copy:
        if osp.islink(destination) or not osp.isfile(destination):
            return 'not a copied file'
        same = osp.isfile(source) and filecmp.cmp(source, destination, shallow=False)
        return 'same' if same else 'a different file'
    if same_target(destination, source):
        return 'same'
    return f'a link to {os.readlink(destination)}' if osp.islink(destination) else 'a file, not a link'


def place_photo(source: str, destination: str, copy: bool) -> None:
    if osp.lexists(destination):
        os.remove(destination)
    os.makedirs(osp.dirname(destination), exist_ok=True)
    if copy:
        shutil.copyfile(source, destination)
    else:
        os.symlink(osp.realpath(source), destination)


def remove_path(path: str) -> None:
    if osp.islink(path) or osp.isfile(path):
        os.remove(path)
    elif osp.isdir(path):
        shutil.rmtree(path)


# -------------------------------------------------------------------------------------------- the converter
def refuse_or_announce(out: str, conflicts: Sequence[str], overwrite: bool) -> bool:
    """Decide on the files an earlier conversion into ``out`` wrote differently (each conflict: 'path ...').

    Without ``overwrite`` the conflicts are listed (the first ten) and False is returned: the caller writes
    nothing. With it, each replacement is announced and True is returned.
    """
    if conflicts and not overwrite:
        shown = '\n  '.join(conflicts[:10]) + (f'\n  ... and {len(conflicts) - 10} more' if len(conflicts) > 10 else '')
        print(
            f'error: {out} was written by an earlier conversion with other arguments or another source; these '
            f'files would change:\n  {shown}\nNothing was written. Pass --overwrite to replace them, or choose '
            'another --out.',
            file=sys.stderr,
        )
        return False
    for conflict in conflicts:
        print(f'--overwrite: replacing {conflict.split(" ")[0]}', file=sys.stderr)
    return True


def write_split_lists(
    out: str, planned_splits: Dict[str, List[str]], bad: Sequence[str], overwrite: bool, what: str
) -> Tuple[Dict[str, List[str]], List[str]]:
    """Write each planned split list (relative path -> ids) without the ``bad`` ids.

    An identical file is left as it is; a differing one is replaced only with ``overwrite``, otherwise it is
    reported (``what`` names the set that changed) and returned among the conflicts.
    Returns the final lists and the conflicting paths.
    """
    bad_set = set(bad)
    split_conflicts = []
    final_splits = {relative: [s for s in planned if s not in bad_set] for relative, planned in planned_splits.items()}
    for relative, ids in final_splits.items():
        path = osp.join(out, relative)
        if osp.isfile(path) and read_text(path) == lines(ids):
            continue  # identical: left as it is
        if osp.lexists(path):
            if not overwrite:
                split_conflicts.append(path)
                continue
            print(f'--overwrite: replacing {path}', file=sys.stderr)
            remove_path(path)
        atomic_write(path, lines(ids))
    if split_conflicts:
        print(
            f'error: {", ".join(split_conflicts)} would change (the set of {what} differs from the earlier run). '
            'Label maps were converted; the split lists were left as they were. Pass --overwrite to rewrite them.',
            file=sys.stderr,
        )
    return final_splits, split_conflicts


def convert(
    samples: Sequence[SourceSample],
    load_label: Callable[[SourceSample], np.ndarray],
    args: argparse.Namespace,
    *,
    name: str,
    photo_suffix: str,
    label_names: Sequence[str],
    names_from: str,
    photos_dir_link: Optional[str] = None,
) -> int:
    """Write the converted layout for ``samples`` under ``args.out``; return the exit status.

    ``args``: the converter's command line: ``src``, ``out``, ``overwrite``, ``copy_photos``, ``folds`` and the
    split (``val_list``, or ``seed`` and ``val_fraction``). ``load_label``: the label map of a sample (uint8,
    checked by :func:`check_label`), or :class:`BadSample`.
    ``photos_dir_link``: link ``<out>/photos`` to this folder as a whole (CCP) instead of one link per photo;
    ignored with --copy-photos.
    """
    start = time.time()
    out, overwrite, copy = args.out, args.overwrite, args.copy_photos
    link_dir = None if copy else photos_dir_link
    stems = [s.stem for s in samples]
    train_all, val_all, split_text = plan_split(stems, args)
    manifest = (
        json.dumps(
            dict(
                converter=name,
                source=osp.realpath(args.src),
                photo_suffix=photo_suffix,
                photos='copy' if copy else ('folder link' if link_dir else 'file links'),
                num_labels=NUM_CCP_LABELS,
            ),
            indent=2,
            sort_keys=True,
        )
        + '\n'
    )
    texts: Dict[str, str] = {MANIFEST_FILE: manifest, LABEL_LIST_FILE: lines(label_names)}
    planned_splits = {osp.join(SPLITS_DIR, 'train.txt'): train_all, osp.join(SPLITS_DIR, 'val.txt'): val_all}
    num_folds = getattr(args, 'folds', 0)
    planned_splits.update(fold_split_lists(stems, num_folds, args.seed))

    # 1. Everything that would change, before anything is written.
    conflicts = []
    for relative, text in texts.items():
        path = osp.join(out, relative)
        if osp.lexists(path) and (not osp.isfile(path) or read_text(path) != text):
            conflicts.append(f'{path} exists with other content')
    for relative, planned in planned_splits.items():
        # An earlier run with the same arguments listed the planned stems less those it found bad, and a bad
        # annotation never got a label map.
        path = osp.join(out, relative)
        if osp.isfile(path):
            listed = set(read_lines(path))
            unlisted = [s for s in planned if s not in listed]
            if not listed <= set(planned) or any(osp.lexists(osp.join(out, LABELS_DIR, s + '.png')) for s in unlisted):
                conflicts.append(f'{path} holds a different split than {split_text}')
    photos_out = osp.join(out, PHOTOS_DIR)
    if link_dir:
        if osp.lexists(photos_out) and not same_target(photos_out, link_dir):
            conflicts.append(f'{photos_out} exists and is not a link to {osp.realpath(link_dir)}')
    elif osp.islink(photos_out) or (osp.lexists(photos_out) and not osp.isdir(photos_out)):
        conflicts.append(f'{photos_out} exists and is not a folder of {"copies" if copy else "links"}')
    else:
        for sample in samples:
            destination = osp.join(photos_out, sample.stem + photo_suffix)
            state = photo_state(sample.photo, destination, copy)
            if state not in ('absent', 'same'):
                conflicts.append(f'{destination} is {state}, not {"a copy of" if copy else "a link to"} {sample.photo}')
    if not refuse_or_announce(out, conflicts, overwrite):
        return EXIT_REFUSED

    # 2. Manifest, label names, the photo folder.
    for relative, text in texts.items():
        path = osp.join(out, relative)
        if osp.isfile(path) and not osp.islink(path) and read_text(path) == text:
            continue
        remove_path(path)
        atomic_write(path, text)
    if link_dir:
        if not same_target(photos_out, link_dir):
            remove_path(photos_out)
            os.makedirs(out, exist_ok=True)
            os.symlink(osp.realpath(link_dir), photos_out)
    elif osp.islink(photos_out) or (osp.lexists(photos_out) and not osp.isdir(photos_out)):
        remove_path(photos_out)
    os.makedirs(osp.join(out, LABELS_DIR), exist_ok=True)

    # 3. Label maps (and per-file photos).
    converted, skipped, bad = 0, 0, []
    for sample in progress(samples, desc=f'{name} labels', unit='img', file=sys.stderr):
        label_path = osp.join(out, LABELS_DIR, sample.stem + '.png')
        if osp.isfile(label_path) and not overwrite:
            skipped += 1
        else:
            try:
                label = load_label(sample)
            except BadSample as error:
                bad.append(sample.stem)
                write(f'bad: {sample.annotation}: {error} -- skipped', file=sys.stderr)
                continue
            write_png_atomic(label_path, label)
            converted += 1
        if not link_dir:
            destination = osp.join(photos_out, sample.stem + photo_suffix)
            if photo_state(sample.photo, destination, copy) != 'same':
                place_photo(sample.photo, destination, copy)

    # 4. Split lists without the bad samples.
    final_splits, split_conflicts = write_split_lists(out, planned_splits, bad, overwrite, 'convertible annotations')

    # 5. Summary.
    num_train = len(final_splits[osp.join(SPLITS_DIR, 'train.txt')])
    num_val = len(final_splits[osp.join(SPLITS_DIR, 'val.txt')])
    print(
        f'{name}: {len(samples)} annotated images: converted {converted}, skipped existing {skipped}, '
        f'bad {len(bad)} ({time.time() - start:.1f} s)'
    )
    if bad:
        print(f'bad annotations (left out of the splits): {", ".join(bad[:20])}{" ..." if len(bad) > 20 else ""}')
    photos_text = (
        f'link to {osp.realpath(link_dir)}' if link_dir else ('copies' if copy else 'links to the source photos')
    )
    written = [
        (f'{LABELS_DIR}/<stem>.png', f'label maps (values 0..{NUM_CCP_LABELS - 1})'),
        (f'{PHOTOS_DIR}/<stem>{photo_suffix}', photos_text),
        (f'{SPLITS_DIR}/train.txt', f'{num_train} stems ({split_text})'),
        (f'{SPLITS_DIR}/val.txt', f'{num_val} stems'),
        *(
            [(f'{SPLITS_DIR}/fold<k>_{{train,val}}.txt', f'{num_folds} cross-validation folds (seed {args.seed})')]
            if num_folds
            else []
        ),
        (LABEL_LIST_FILE, f'label names from {names_from}'),
        (MANIFEST_FILE, 'source and photo suffix, read by CCPDataset'),
    ]
    print(f'Wrote {osp.abspath(out)}:')
    for relative, what in written:
        print(f'  {relative:<22} {what}')
    print(f"Use it with dict(type='CCPDataset', data_root='{out}', split='train', label_mode='clothing4')")
    if split_conflicts:
        return EXIT_REFUSED
    return EXIT_BAD_FILES if bad else EXIT_OK
