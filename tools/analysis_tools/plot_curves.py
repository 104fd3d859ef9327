#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Plot training curves (loss, learning rate, mIoU, PCK, ...) of one or more runs from their scalars.json.

Reads every ``<work_dir>/<timestamp>/vis_data/scalars.json`` that mmengine's LocalVisBackend wrote (a resumed
run has several; they are joined) and draws one panel per --keys entry, one line per work dir: training
scalars against the iteration, validation metrics against the iteration they were measured at.

Example:
    python tools/analysis_tools/plot_curves.py work_dirs/ccp_pose_aux/clothing4/*/seed0 \\
        --keys loss mIoU PCK@0.1 --out work_dirs/curves.png
"""

import argparse
import os.path as osp
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+', help='work dirs of runs')
    parser.add_argument('--keys', nargs='+', default=['loss', 'mIoU'], help='scalars to plot (default: loss mIoU)')
    parser.add_argument('--labels', nargs='+', help='legend label per work dir (default: the folder names)')
    parser.add_argument('--out', required=True, help='PNG to write')
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.work_dirs):
        parser.error('give one --labels entry per work dir')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    import matplotlib

    from mmext.utils.run_records import read_scalars  # after parsing: importing mmext takes seconds

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    labels = args.labels or [osp.relpath(d) for d in args.work_dirs]
    fig, axes = plt.subplots(1, len(args.keys), figsize=(4.5 * len(args.keys), 3.6), squeeze=False)
    found = 0
    for work_dir, label in zip(args.work_dirs, labels):
        records = read_scalars(work_dir)
        if not records:
            print(f'warning: no vis_data/scalars.json under {work_dir}', file=sys.stderr)
        for ax, key in zip(axes[0], args.keys):
            points = sorted((r.get('step', r.get('iter')), r[key]) for r in records if key in r)
            if points:
                found += 1
                ax.plot(*zip(*points), label=label, marker='o' if len(points) < 30 else None, markersize=3)
    for ax, key in zip(axes[0], args.keys):
        ax.set_title(key)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    if not found:
        print(f'error: none of {args.keys} found in the runs', file=sys.stderr)
        return 1
    print(f'Written {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
