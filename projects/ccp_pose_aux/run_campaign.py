#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The CCP pose campaign: every variant x seed trained, evaluated and written to runs/, resumably.

Each run trains a committed config of projects/ccp_pose_aux/configs/<label set>/ with tools/train.py
(seed set by --cfg-options randomness.seed=K), then tools/analysis_tools/run_result.py evaluates its last
checkpoint on the 161 CCP val photos and writes runs/<label set>/<variant>/seed<K>.json. A run whose result
file exists is skipped; an interrupted run resumes from its last checkpoint -- so the same command continues
the campaign after any interruption.

Runs go --parallel at a time with --threads torch threads each. On a 2-core machine two 1-thread runs give
more runs per hour than one 2-thread run, and never two 2-thread runs (they slow each other down many
times over; README.md of this project measures it).

Before the first run it prepares the data if missing: converts CCP from --ccp-src
(tools/dataset_converters/ccp.py), estimates BlazePose keypoints (annotate_pose.py) and writes the
pre-resized training copy (resize_tree.py --height 320).

With --folds, each run trains on a cross-validation fold of tools/dataset_converters/ccp.py (--folds 5: every
photo held out once) instead of the seed-0 split: every dataset split of the config ('train', 'val') becomes
'fold<k>_train' / 'fold<k>_val' (--cfg-options, so the dumped config says it), one seed per fold (the first of
--seeds), and the result goes to runs/<label set>/<variant>/fold<k>.json.

Examples:
    python projects/ccp_pose_aux/run_campaign.py --ccp-src ../shared/data/ccp
    python projects/ccp_pose_aux/run_campaign.py --variants seg_only pose_input --seeds 0 1 2 3 --dry-run
    python projects/ccp_pose_aux/run_campaign.py --label-set pretrained --folds 0 1 2 3 4
"""

import argparse
import os
import os.path as osp
import queue
import subprocess
import sys
import threading
import time
from typing import List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PROJECT = osp.join(REPO, 'projects', 'ccp_pose_aux')
VARIANTS = ('seg_only', 'landmarks', 'skeleton', 'landmarks_skeleton', 'pose_input')  # the table's order


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--label-set', default='clothing4', help='config folder under configs/ (default: clothing4)')
    parser.add_argument('--variants', nargs='+', help='configs of the label set to run (default: all of them)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--folds',
        nargs='+',
        type=int,
        help='cross-validation folds to run (one seed each: the first '
        'of --seeds); default: the seed-0 split with every seed',
    )
    parser.add_argument('--parallel', type=int, default=2, help='runs at a time (default: 2)')
    parser.add_argument('--threads', type=int, default=1, help='torch threads per run (default: 1)')
    parser.add_argument('--work-dir', default='work_dirs/ccp_pose_aux', help='where the runs train')
    parser.add_argument('--runs-dir', default=osp.join(PROJECT, 'runs'), help='where result files go')
    parser.add_argument('--ccp-src', default='../shared/data/ccp', help='raw CCP, converted if data/ccp is missing')
    parser.add_argument('--data-root', default='data/ccp', help='converted CCP tree (the configs\' data_root)')
    parser.add_argument('--dry-run', action='store_true', help='list the runs to do and stop')
    args = parser.parse_args(argv)
    if not args.variants:
        args.variants = label_set_variants(args.label_set)
        if not args.variants:
            parser.error(f'no configs in {osp.dirname(config_path(args.label_set, "x"))}')
    for variant in args.variants:
        if not osp.isfile(config_path(args.label_set, variant)):
            parser.error(f'no config {config_path(args.label_set, variant)}')
    if args.parallel < 1 or args.threads < 1:
        parser.error('--parallel and --threads must be at least 1')
    return args


def label_set_variants(label_set: str) -> List[str]:
    """The configs of a label set's folder, known variants first in the table's order."""
    folder = osp.dirname(config_path(label_set, 'x'))
    names = [name[:-3] for name in sorted(os.listdir(folder)) if name.endswith('.py')] if osp.isdir(folder) else []
    return sorted(names, key=lambda name: (VARIANTS.index(name) if name in VARIANTS else len(VARIANTS), name))


def config_path(label_set: str, variant: str) -> str:
    return osp.join(PROJECT, 'configs', label_set, f'{variant}.py')


def run_name(seed: int, fold: Optional[int]) -> str:
    return f'seed{seed}' if fold is None else f'fold{fold}'


def run_label(seed: int, fold: Optional[int]) -> str:
    return f'seed {seed}' if fold is None else f'fold {fold}'


def result_path(runs_dir: str, label_set: str, variant: str, seed: int, fold: Optional[int] = None) -> str:
    return osp.join(runs_dir, label_set, variant, f'{run_name(seed, fold)}.json')


def fold_options(config: str, fold: int) -> List[str]:
    """--cfg-options that move every dataset split of ``config`` ('train', 'val') to fold ``fold``'s lists."""
    from mmengine.config import Config

    cfg = Config.fromfile(config)
    options = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            split = node.get('split')
            if 'type' in node and split in ('train', 'val'):
                options.append(f'{path}.split=fold{fold}_{split}')
            for key, value in node.items():
                walk(value, f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                walk(value, f'{path}.{index}')

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator'):
        walk(cfg.get(key), key)
    if not options:
        raise ValueError(f'{config} names no \'train\' or \'val\' dataset split to move to a fold')
    return options


def tool(*args: str) -> List[str]:
    return [sys.executable, osp.join(REPO, *args[:1]), *args[1:]]


def prepare_data(args: argparse.Namespace) -> None:
    """Convert, annotate and pre-resize CCP where their outputs are missing."""
    root = args.data_root
    steps = []
    if not osp.isfile(osp.join(root, 'conversion.json')):
        steps.append(tool('tools/dataset_converters/ccp.py', '--src', args.ccp_src, '--out', root))
    if not osp.isfile(osp.join(root, 'pose_annotation.json')):
        steps.append(tool('tools/dataset_converters/annotate_pose.py', '--src', root, '--out', root))
    resized = root.rstrip('/') + '_h320'
    if not osp.isfile(osp.join(resized, 'conversion.json')):
        steps.append(
            tool('tools/dataset_converters/resize_tree.py', '--src', root, '--out', resized, '--height', '320')
        )
    for command in steps:
        print('==> ' + ' '.join(command[1:]), flush=True)
        subprocess.run(command, cwd=REPO, check=True)


def run_one(args: argparse.Namespace, variant: str, seed: int, fold: Optional[int] = None) -> Optional[str]:
    """Train (or resume) and evaluate one run; returns an error message or None."""
    config = config_path(args.label_set, variant)
    work_dir = osp.join(args.work_dir, args.label_set, variant, run_name(seed, fold))
    os.makedirs(work_dir, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads), PYTHONUNBUFFERED='1')
    options = ['--cfg-options', f'randomness.seed={seed}', *([] if fold is None else fold_options(config, fold))]
    train = tool('tools/train.py', config, '--work-dir', work_dir, *options)
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        train.append('--resume')
    evaluate = tool(
        'tools/analysis_tools/run_result.py',
        config,
        work_dir,
        '--out',
        result_path(args.runs_dir, args.label_set, variant, seed, fold),
        *options,
    )
    with open(osp.join(work_dir, 'campaign.log'), 'a') as log:
        for step, command in (('training', train), ('evaluation', evaluate)):
            log.write(f'\n==> {" ".join(command[1:])}\n')
            log.flush()
            if subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT).returncode:
                return f'{step} failed; see {osp.join(work_dir, "campaign.log")}'
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.folds is None:
        jobs = [(variant, seed, None) for seed in args.seeds for variant in args.variants]
        over = f'seeds {args.seeds}'
    else:
        jobs = [(variant, args.seeds[0], fold) for fold in args.folds for variant in args.variants]
        over = f'folds {args.folds}, seed {args.seeds[0]}'
    todo = [job for job in jobs if not osp.isfile(result_path(args.runs_dir, args.label_set, *job))]
    print(
        f'{len(jobs)} runs ({args.label_set}: {", ".join(args.variants)} x {over}); '
        f'{len(jobs) - len(todo)} done, {len(todo)} to do, {args.parallel} at a time with {args.threads} '
        f'thread(s) each'
    )
    for variant, seed, fold in todo:
        print(f'  to do: {variant} {run_label(seed, fold)}')
    if args.dry_run or not todo:
        return 0
    prepare_data(args)
    pending: 'queue.Queue' = queue.Queue()
    for job in todo:
        pending.put(job)
    failures, lock, start, finished = [], threading.Lock(), time.time(), [0]

    def worker(slot: int) -> None:
        while True:
            try:
                variant, seed, fold = pending.get_nowait()
            except queue.Empty:
                return
            began, name = time.time(), run_label(seed, fold)
            with lock:
                print(f'[{time.strftime("%H:%M")}] slot {slot}: {variant} {name} started', flush=True)
            error = run_one(args, variant, seed, fold)
            with lock:
                finished[0] += 1
                status = f'FAILED: {error}' if error else 'done'
                print(
                    f'[{time.strftime("%H:%M")}] slot {slot}: {variant} {name} {status} in '
                    f'{(time.time() - began) / 60:.1f} min ({finished[0]}/{len(todo)})',
                    flush=True,
                )
                if error:
                    failures.append(f'{variant} {name}: {error}')

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(args.parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        f'Campaign: {len(todo) - len(failures)} runs finished in {(time.time() - start) / 3600:.2f} h; results '
        f'in {osp.join(args.runs_dir, args.label_set)}'
    )
    for failure in failures:
        print(f'  {failure}', file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
