#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Write a synthetic data set in the exact Dress Code layout (all three categories).

Random poses, body shapes, garments consistent with the keypoints, colours, textures and backgrounds;
keypoint JSON in the 384 x 512 frame, 18-class label maps, OpenPose-style skeletons, dense files and
pair lists (80 % train / 20 % test per category). Deterministic per --seed.

Example:
    python tools/misc/make_synthetic_dresscode.py --out data/dresscode --num 100 --seed 0 --size 256x192
"""

import argparse
import os
import os.path as osp
import sys
import time

# The generator (mmext.testing.synthetic_dresscode) imports mmext, and mmext torch: both are imported once the
# arguments are parsed (--help stays instant). = mmext.datasets.dresscode_meta.CATEGORIES
# (tests/test_tool_help.py checks).
CATEGORIES = ('dresses', 'upper_body', 'lower_body')


def parse_size(text: str) -> tuple:
    try:
        height, width = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'--size must look like 1024x768 (HxW), got {text!r}') from None
    if height < 32 or width < 24:
        raise argparse.ArgumentTypeError(f'--size {text} is too small (at least 32x24)')
    return height, width


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True, help='output folder (becomes the DressCode root)')
    parser.add_argument('--num', type=int, required=True, help='model photos per category')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    parser.add_argument(
        '--size', type=parse_size, default=(1024, 768), help='photo size HxW (default: 1024x768, as Dress Code)'
    )
    parser.add_argument(
        '--categories',
        nargs='+',
        default=list(CATEGORIES),
        choices=CATEGORIES,
        help='categories to write (default: all three)',
    )
    parser.add_argument(
        '--overwrite', action='store_true', help='allow writing into a non-empty --out (existing files are replaced)'
    )
    args = parser.parse_args(argv)
    if args.num < 1:
        parser.error('--num must be at least 1')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.testing.synthetic_dresscode import MARKER_FILE, generate_sample, make_dirs, write_pair_lists
    from mmext.utils.progress import progress

    if osp.isdir(args.out) and os.listdir(args.out) and not args.overwrite:
        print(
            f'error: {args.out} is not empty; refusing to write into it (pass --overwrite to replace '
            'its synthetic files)',
            file=sys.stderr,
        )
        return 1
    start = time.time()
    make_dirs(args.out, args.categories)
    height, width = args.size
    for category in args.categories:
        ids = [
            generate_sample(args.out, category, i, args.seed, args.size)
            for i in progress(range(args.num), desc=f'{category:>10}', unit='img')
        ]
        write_pair_lists(args.out, category, ids, args.seed)
    with open(osp.join(args.out, MARKER_FILE), 'w') as f:
        f.write(
            f'Synthetic Dress Code written by tools/misc/make_synthetic_dresscode.py\n'
            f'num={args.num} per category, seed={args.seed}, size={height}x{width}, '
            f'categories={",".join(args.categories)}\n'
        )
    total = args.num * len(args.categories)
    print(
        f'Wrote {total} samples ({args.num} per category, {height}x{width}) to {args.out} '
        f'in {time.time() - start:.1f} s'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
