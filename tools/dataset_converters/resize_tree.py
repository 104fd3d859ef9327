#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A pre-resized copy of a converted CCP / People Clothing tree, for fast data loading on CPUs.

Decoding and resizing 550 x 832 photos costs a training process on 2 cores a large share of its time when
the network trains at 256 x 192. This writes a copy whose photos and per-photo maps are already at training
scale: photos (area interpolation, JPEG quality 95) and skeleton images (area), label maps (nearest
neighbour, values unchanged), depth maps (area, 16-bit); keypoint files are copied (their 384 x 512 frame
does not depend on the photo size); split lists, label list and conversion.json are copied, the latter
with the resize recorded. Train on the copy; evaluate on the original tree, so that IoU is measured on the
original label maps.

Files already in --out are kept unless --overwrite is given; every file is written atomically.

Example:
    python tools/dataset_converters/resize_tree.py --src data/ccp --out data/ccp_h320 --height 320
"""

import argparse
import json
import os
import os.path as osp
import shutil
import sys
import time

import cv2

# mmext (and torch with it) is imported once the arguments are parsed (--help stays instant). The folder names
# equal mmext.datasets.clothing's, DEPTH_DIR and the pose files' (tests/test_tool_help.py checks).
LABEL_LIST_FILE, LABELS_DIR, MANIFEST_FILE, PHOTOS_DIR, SPLITS_DIR = (
    'label_list.txt',
    'labels',
    'conversion.json',
    'photos',
    'splits',
)
DEPTH_DIR, KEYPOINTS_DIR, SKELETONS_DIR = 'depth', 'keypoints', 'skeletons'

# folder -> (OpenCV interpolation, encoding parameters); None: copied as is.
FOLDERS = {
    PHOTOS_DIR: (cv2.INTER_AREA, [cv2.IMWRITE_JPEG_QUALITY, 95]),
    LABELS_DIR: (cv2.INTER_NEAREST, []),
    SKELETONS_DIR: (cv2.INTER_AREA, [cv2.IMWRITE_JPEG_QUALITY, 95]),
    DEPTH_DIR: (cv2.INTER_AREA, []),
    KEYPOINTS_DIR: None,
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--src', required=True, help='a tree written by tools/dataset_converters/ccp.py')
    parser.add_argument('--out', required=True, help='where the resized copy goes')
    parser.add_argument('--height', type=int, required=True, help='photo height of the copy (aspect kept)')
    parser.add_argument('--overwrite', action='store_true', help='rewrite files that already exist in --out')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.src, MANIFEST_FILE)):
        parser.error(f'--src {args.src} has no {MANIFEST_FILE}: convert it first (tools/dataset_converters/ccp.py)')
    if osp.abspath(args.src) == osp.abspath(args.out):
        parser.error('--out must differ from --src')
    if args.height < 16:
        parser.error('--height must be at least 16')
    return args


def resized(image, height: int, interpolation: int):
    width = max(1, round(image.shape[1] * height / image.shape[0]))
    return cv2.resize(image, (width, height), interpolation=interpolation)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.utils.atomic_io import atomic_write, atomic_write_image
    from mmext.utils.progress import progress

    jobs = []
    for folder in FOLDERS:
        source = osp.join(args.src, folder)
        if osp.isdir(source):
            jobs += [(folder, name) for name in sorted(os.listdir(source)) if not name.startswith('.')]
    print(
        f'{len(jobs)} files in {", ".join(sorted({f for f, _ in jobs}))} of {args.src} -> {args.out} '
        f'at height {args.height}'
    )
    failed, written, start = [], 0, time.perf_counter()
    for folder, name in progress(jobs, unit='file', desc='resize'):
        source, target = osp.join(args.src, folder, name), osp.join(args.out, folder, name)
        if osp.exists(target) and not args.overwrite:
            continue
        if FOLDERS[folder] is None:
            with open(source, 'rb') as f:
                atomic_write(target, f.read())
        else:
            interpolation, params = FOLDERS[folder]
            image = cv2.imread(source, cv2.IMREAD_UNCHANGED)
            if image is None:
                failed.append(source)
                continue
            atomic_write_image(target, resized(image, args.height, interpolation), params)
        written += 1
    shutil.copytree(osp.join(args.src, SPLITS_DIR), osp.join(args.out, SPLITS_DIR), dirs_exist_ok=True)
    shutil.copyfile(osp.join(args.src, LABEL_LIST_FILE), osp.join(args.out, LABEL_LIST_FILE))
    with open(osp.join(args.src, MANIFEST_FILE)) as f:
        manifest = json.load(f)
    manifest['resized'] = dict(src=osp.abspath(args.src), height=args.height)
    atomic_write(osp.join(args.out, MANIFEST_FILE), json.dumps(manifest, indent=1))
    print(f'Written {written} files in {time.perf_counter() - start:.1f} s to {args.out}; unreadable: {len(failed)}')
    for path in failed:
        print(f'  unreadable: {path}', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
