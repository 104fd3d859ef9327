#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Scan the datasets of a config up front, without training: every sample through the loading steps.

For each data loader of the config (train, val, test; a loader identical to one already scanned is skipped)
the dataset is built with ``on_bad_sample='skip'`` (so every missing file is listed, not only the first) and
every sample is read through the config's loading transforms only (``Load*``: photo, label map, keypoints,
skeleton, depth, instances -- no resizing or augmentation) with the checks the training run makes
(mmext.datasets.bad_sample_policy). It prints

- counts: samples listed, loaded, with problems;
- image sizes (H x W) and how many photos have each;
- the class histogram of the label maps (share of pixels, number of images with the class) after the
  dataset's label mode, and the ignored pixels;
- keypoint visibility per joint (when the pipeline loads keypoints), instances per class (detection);
- every problem: file and what is wrong.

The exit status is 0 when nothing is wrong, 1 when problems were found (or a dataset cannot be built), 2 for
a config without data loaders. ``--out`` writes the same report as JSON.

Examples:
    python tools/misc/check_dataset.py configs/topformer_pose_aux.py
    python tools/misc/check_dataset.py configs/topformer_pose_aux.py --split train --out work_dirs/check.json \\
        --cfg-options train_dataloader.dataset.data_root=data/dresscode_synthetic
    python tools/misc/check_dataset.py projects/ccp_pose_aux/configs/clothing4/seg_only.py --limit 200
"""

import argparse
import copy
import json
import os.path as osp
import sys
import tempfile
import time
from collections import Counter
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.config import Config, DictAction

# mmengine's datasets, mmext (and torch with them) are imported once the arguments are parsed (--help stays
# instant).

SPLITS = ('train', 'val', 'test')
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file whose data loaders to scan')
    parser.add_argument(
        '--split',
        choices=SPLITS,
        action='append',
        help='scan only this data loader (repeatable; default: train, val and test)',
    )
    parser.add_argument('--out', help='also write the report to this JSON file')
    parser.add_argument('--limit', type=int, help='scan only the first N samples of each dataset')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. train_dataloader.dataset.data_root=DIR',
    )
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f'--limit must be at least 1, got {args.limit}')
    return args


def loading_only(dataset_cfg: Any, bad_sample_dir: str) -> Any:
    """A copy of a dataset config whose pipelines keep only the ``Load*`` transforms and whose mmext datasets
    skip (and so list) bad samples found while indexing."""
    if isinstance(dataset_cfg, list):
        return [loading_only(d, bad_sample_dir) for d in dataset_cfg]
    if not isinstance(dataset_cfg, dict):
        return dataset_cfg
    result = {
        key: loading_only(value, bad_sample_dir) if key in ('dataset', 'datasets') else value
        for key, value in dataset_cfg.items()
    }
    if 'pipeline' in result:
        result['pipeline'] = [t for t in result['pipeline'] if str(t.get('type', '')).startswith('Load')]
    from mmengine.dataset import BaseDataset

    from mmext.datasets.bad_sample_policy import BadSamplePolicyMixin
    from mmext.utils.bad_sample_config import dataset_class

    cls = dataset_class(result.get('type'))
    if isinstance(cls, type) and issubclass(cls, BadSamplePolicyMixin):
        result.update(on_bad_sample='skip', bad_sample_dir=bad_sample_dir)
    if isinstance(cls, type) and issubclass(cls, BaseDataset):
        result['serialize_data'] = False  # serialising (for sharing with workers) costs a gc.collect(); no workers here
    return result


class Statistics:
    """What the loaded samples of one dataset hold."""

    def __init__(self, classes: Optional[List[str]], ignore_index: int):
        from mmext.structures import COCO18_KEYPOINT_NAMES

        self.keypoint_names = COCO18_KEYPOINT_NAMES
        self.classes = list(classes or [])
        self.ignore_index = ignore_index
        self.sizes: Counter = Counter()
        self.pixels = np.zeros(max(len(self.classes), 1), np.int64)
        self.images_with = np.zeros(max(len(self.classes), 1), np.int64)
        self.ignored_pixels = 0
        self.label_maps = 0
        self.keypoint_samples = 0
        self.visible = np.zeros(len(COCO18_KEYPOINT_NAMES), np.int64)
        self.out_of_frame_joints = 0
        self.out_of_frame_samples = 0
        self.instances: Counter = Counter()

    def add(self, results: dict) -> None:
        if 'img' in results:
            self.sizes[tuple(int(v) for v in results['img'].shape[:2])] += 1
        label = results.get('gt_seg_map')
        if label is not None and self.classes:
            counts = np.bincount(label.ravel().astype(np.int64), minlength=256)
            num = len(self.classes)
            self.pixels += counts[:num]
            self.images_with += counts[:num] > 0
            self.ignored_pixels += int(counts[self.ignore_index]) if self.ignore_index < len(counts) else 0
            self.label_maps += 1
        visible = results.get('gt_keypoints_visible')
        if visible is not None and np.asarray(visible).shape[-1] == len(self.keypoint_names):
            self.keypoint_samples += 1
            self.visible += np.asarray(visible).reshape(-1, len(self.keypoint_names)).max(axis=0) > 0
            outside = int(results.get('keypoints_out_of_frame', 0))
            self.out_of_frame_joints += outside
            self.out_of_frame_samples += outside > 0
        labels = results.get('gt_bboxes_labels')
        if labels is not None:
            self.instances.update(int(v) for v in labels)

    def as_dict(self) -> dict:
        report: Dict[str, Any] = dict(image_sizes={f'{h}x{w}': n for (h, w), n in self.sizes.most_common()})
        if self.label_maps:
            total = int(self.pixels.sum()) + self.ignored_pixels
            report['classes'] = {
                name: dict(
                    pixels=int(self.pixels[i]), share=self.pixels[i] / max(total, 1), images=int(self.images_with[i])
                )
                for i, name in enumerate(self.classes)
            }
            report['ignored_pixels'] = self.ignored_pixels
        if self.keypoint_samples:
            report['keypoint_visibility'] = {
                name: int(self.visible[i]) / self.keypoint_samples for i, name in enumerate(self.keypoint_names)
            }
            report['keypoint_samples'] = self.keypoint_samples
            report['keypoints_out_of_frame'] = dict(joints=self.out_of_frame_joints, samples=self.out_of_frame_samples)
        if self.instances:
            report['instances'] = {self._name(k): n for k, n in sorted(self.instances.items())}
        return report

    def _name(self, index: int) -> str:
        return self.classes[index] if 0 <= index < len(self.classes) else str(index)


def scan_dataset(name: str, dataset_cfg: dict, limit: Optional[int]) -> dict:
    from mmengine.registry import DATASETS

    from mmext.datasets.bad_sample_policy import run_checked_pipeline
    from mmext.datasets.errors import DatasetError
    from mmext.engine.hooks.bad_sample_hook import policy_datasets
    from mmext.utils.progress import progress

    """Build one dataset (loading steps only) and read every sample; the report of :func:`main`."""
    problems: List[dict] = []
    with tempfile.TemporaryDirectory(prefix='check_dataset_') as bad_dir:
        try:
            dataset = DATASETS.build(loading_only(copy.deepcopy(dataset_cfg), bad_dir))
        except (DatasetError, FileNotFoundError) as error:  # the split as a whole is unusable
            problem = (
                dict(path=error.path, problem=error.problem)
                if isinstance(error, DatasetError)
                else dict(path=str(error.filename or dataset_cfg.get('data_root')), problem=str(error))
            )
            return dict(
                loader=name,
                type=dataset_cfg.get('type'),
                built=False,
                listed=0,
                loaded=0,
                problems=[dict(problem, when='index')],
            )
        for part in policy_datasets(dataset):
            if part.bad_sample_log is not None:
                part.bad_sample_log.quiet = True
                problems += [
                    dict(path=e['path'], problem=e['problem'], when='index') for e in part.bad_sample_log.entries()
                ]
        # A wrapper (ConcatDataset, RepeatDataset) has no pipeline of its own: scan the datasets inside it.
        parts = list(policy_datasets(dataset)) or [dataset]
        metainfo = getattr(parts[0], 'metainfo', {}) or {}
        stats = Statistics(metainfo.get('classes'), getattr(parts[0], 'ignore_index', 255))
        num_classes = len(metainfo['classes']) if metainfo.get('classes') else None
        listed, scanned, loaded = 0, 0, 0
        for part in parts:
            total = len(part) if limit is None else min(limit, len(part))
            listed, scanned = listed + len(part), scanned + total
            for index in progress(range(total), desc=f'{name} ({type(part).__name__})', unit='sample', file=sys.stderr):
                info = part.get_data_info(index)
                try:
                    results = run_checked_pipeline(part.pipeline, info, num_classes, stats.ignore_index)
                except DatasetError as error:
                    problems.append(dict(path=error.path, problem=error.problem, when='load'))
                    continue
                except Exception as error:  # a checker reports and goes on; this is no data fault we know
                    problems.append(
                        dict(
                            path=info.get('img_path', f'sample {index}'),
                            when='load',
                            problem=f'unexpected {type(error).__name__} while loading: {error}',
                        )
                    )
                    continue
                if results is not None:
                    stats.add(results)
                    loaded += 1
    return dict(
        loader=name,
        type=type(dataset).__name__,
        built=True,
        listed=listed,
        scanned=scanned,
        loaded=loaded,
        problems=problems,
        **stats.as_dict(),
    )


def print_report(report: dict) -> None:
    print(f'\n== {report["loader"]}: {report["type"]}')
    if not report['built']:
        print('  the dataset cannot be built')
    else:
        print(
            f'  samples: {report["listed"]} listed (after index-time skips), {report["scanned"]} scanned, '
            f'{report["loaded"]} loaded, {len(report["problems"])} problem(s)'
        )
        sizes = report.get('image_sizes', {})
        if sizes:
            shown = ', '.join(f'{size}: {n}' for size, n in list(sizes.items())[:5])
            print(f'  image sizes (H x W): {shown}{" ..." if len(sizes) > 5 else ""} ({len(sizes)} distinct)')
        if 'classes' in report:
            print(f'  classes (share of pixels, images with the class); ignored pixels: {report["ignored_pixels"]}')
            for class_name, entry in report['classes'].items():
                print(f'    {class_name:<20} {100 * entry["share"]:6.2f} %  {entry["images"]:>7}')
        if 'keypoint_visibility' in report:
            print(f'  keypoint visibility (share of {report["keypoint_samples"]} samples):')
            items = list(report['keypoint_visibility'].items())
            for start in range(0, len(items), 6):
                print('    ' + '  '.join(f'{k} {100 * v:.0f}%' for k, v in items[start : start + 6]))
            outside = report['keypoints_out_of_frame']
            if outside['joints']:
                print(
                    f'  {outside["joints"]} joints in {outside["samples"]} keypoint files lie outside the 384 x 512 '
                    'frame: read as missing'
                )
        if 'instances' in report:
            print('  instances per class: ' + ', '.join(f'{k} {n}' for k, n in report['instances'].items()))
    for problem in report['problems']:
        print(f'  PROBLEM ({problem["when"]}): {problem["path"]}: {problem["problem"]}')


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    import mmext  # noqa: F401  (registers mmext's datasets and transforms)

    start = time.time()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    reports, seen = [], []
    for split in args.split or SPLITS:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or not loader.get('dataset'):
            continue
        dataset_cfg = loader['dataset'].to_dict() if hasattr(loader['dataset'], 'to_dict') else loader['dataset']
        if dataset_cfg in seen:
            print(f'{split}_dataloader: the same dataset as scanned above, skipped', file=sys.stderr)
            continue
        seen.append(dataset_cfg)
        reports.append(scan_dataset(f'{split}_dataloader', dataset_cfg, args.limit))
    if not reports:
        print(
            f'error: {args.config} has no {", ".join(f"{s}_dataloader" for s in args.split or SPLITS)} with a dataset',
            file=sys.stderr,
        )
        return EXIT_USAGE
    for report in reports:
        print_report(report)
    num_problems = sum(len(r['problems']) for r in reports)
    print(f'\n{num_problems} problem(s) in {len(reports)} dataset(s) ({time.time() - start:.1f} s)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=osp.abspath(args.config), datasets=reports), f, indent=2)
        print(f'Report written to {osp.abspath(args.out)}')
    return EXIT_PROBLEMS if num_problems or not all(r['built'] for r in reports) else EXIT_OK


if __name__ == '__main__':
    sys.exit(main())
