#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Precompute MiDaS relative inverse depth for every photo of a data set, as 16-bit PNGs.

Depth maps go next to the photos by the rule of mmext/datasets/depth_maps.py (Dress Code:
<category>/images/NNNNNN_0.jpg -> <category>/depth/NNNNNN_0.png; EasyPortrait: images/<split>/x.jpg ->
depth/<split>/x.png; CCP: photos/NNNN.jpg -> depth/NNNN.png). Maps already written are skipped, so an
interrupted run continues where it stopped; each map is written atomically (a killed run never leaves a
half-written PNG). Unreadable photos are reported and skipped; the exit status is then 1.

Examples:
    python tools/misc/precompute_depth.py --data-root data/DressCode \\
        --provider midas_small --weights checkpoints/midas_v21_small_256.pt
    python tools/misc/precompute_depth.py --data-root data/EasyPortrait --provider dpt \\
        --weights checkpoints/dpt-hybrid-midas --device cuda --batch-size 8
"""

import argparse
import os.path as osp
import sys
import time
from typing import List, Tuple

import cv2
import numpy as np

# mmext (and torch with it) is imported once the arguments are parsed (--help stays instant). The names below
# equal the keys of mmext.models.depth.PROVIDERS and mmext.datasets.depth_maps.LAYOUTS (tests/test_tool_help.py
# checks).
PROVIDERS = ('dpt', 'midas_small')
LAYOUTS = ('dresscode', 'easyportrait', 'ccp', 'people_clothing', 'folder')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', required=True, help='data set root folder')
    parser.add_argument('--provider', required=True, choices=sorted(PROVIDERS), help='depth model')
    parser.add_argument(
        '--weights', required=True, help='local weights: midas_v21_small_256.pt for midas_small, a model folder for dpt'
    )
    parser.add_argument(
        '--layout', default='auto', choices=['auto', *LAYOUTS], help='photo layout (default: detected from the folders)'
    )
    parser.add_argument('--batch-size', type=int, default=4, help='photos per forward pass (default: 4)')
    parser.add_argument('--device', default='cpu', help='torch device, e.g. cpu or cuda:0 (default: cpu)')
    parser.add_argument('--overwrite', action='store_true', help='recompute maps that already exist')
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error('--batch-size must be at least 1')
    if not osp.isdir(args.data_root):
        parser.error(f'--data-root {args.data_root} is not a folder')
    return args


def read_rgb(path: str) -> np.ndarray:
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise OSError('unreadable image (missing, truncated or not an image)')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def batches(items: List[Tuple[str, str]], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def main(argv=None) -> int:
    args = parse_args(argv)
    import mmext  # noqa: F401
    from mmext.datasets.depth_maps import (
        LAYOUTS,
        depth_path_for,
        detect_layout,
        encode_inverse_depth,
        find_photos,
        remove_stale_temporaries,
        write_png_atomic,
    )
    from mmext.models.depth import build_depth_provider
    from mmext.utils.progress import progress

    layout = detect_layout(args.data_root) if args.layout == 'auto' else args.layout
    photos = find_photos(args.data_root, layout)
    if not photos:
        print(f'No photos of layout {layout!r} ({LAYOUTS[layout].patterns}) under {args.data_root}', file=sys.stderr)
        return 1
    jobs, skipped = [], 0
    for photo in photos:
        target = depth_path_for(photo, args.data_root, LAYOUTS[layout].img_dir)
        remove_stale_temporaries(target)
        if osp.exists(target) and not args.overwrite:
            skipped += 1
        else:
            jobs.append((photo, target))
    print(
        f'{len(photos)} photos ({layout} layout) under {args.data_root}: {skipped} depth maps exist, '
        f'{len(jobs)} to compute with {args.provider} on {args.device}'
    )

    written, failed = 0, []
    start = time.perf_counter()
    if jobs:
        provider = build_depth_provider(args.provider, args.weights, args.device)
        with progress(total=len(jobs), unit='img', desc='depth') as bar:
            for batch in batches(jobs, args.batch_size):
                readable = []
                for photo, target in batch:
                    try:
                        readable.append((read_rgb(photo), target))
                    except OSError as error:
                        failed.append(f'{photo}: {error}')
                        bar.update(1)
                if readable:
                    depths = provider.estimate([image for image, _ in readable])
                    for depth, (_, target) in zip(depths, readable):
                        write_png_atomic(target, encode_inverse_depth(depth))
                        written += 1
                        bar.update(1)
    elapsed = time.perf_counter() - start

    print(
        f'Written {written}, skipped {skipped} (already there), failed {len(failed)} in {elapsed:.1f} s. '
        f'Depth maps are under {args.data_root} in the "depth" folders of the {layout} layout.'
    )
    for problem in failed:
        print(f'  failed: {problem}', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
