#!/usr/bin/env python
"""Person IoU and latency of peers and of the project's deployed models, side by side on one dataset.

Every model takes each photo of CONFIG's test split as a user would give it (the BGR photo at its size) and
returns a class map at that size; IoU is computed on the same label maps (the dataset's label mode, e.g.
CCP person masks) for all. Per photo the models run one after the other, the order rotating from photo to
photo, so the latency medians are measured in interleaved rounds in this one run.

Models:
  --peers mediapipe_selfie[:1]   MediaPipe Selfie Segmentation (mediapipe 0.10.14, model_selection 0 or 1,
                                 mask = probability > 0.5; its own resize and mask output included)
  --onnx NAME=PATH.onnx          a project model exported with tools/deployment/export_onnx.py (fp32) or
                                 quantize_onnx.py (INT8), run in ONNX Runtime with CONFIG's test resize and
                                 normalisation (mmext.deployment.PhotoSegmenter)

Reports dataset-level IoU per class and mIoU, per-image mean IoU of each foreground class, median / p90
latency per photo, and the size on disk of each model. Results go to --out (JSON).

Example:
    python tools/analysis_tools/peer_eval.py \\
        projects/fast_person_segmentation/configs/topformer_t-s4_ccp-person-320x192.py \\
        --peers mediapipe_selfie --onnx ours_fp32=work_dirs/person.onnx ours_int8=work_dirs/person_int8.onnx \\
        --out projects/fast_person_segmentation/results_vs_mediapipe.json
"""
import argparse
import json
import os.path as osp
import platform
import sys
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from tqdm import tqdm

import mmext  # noqa: F401
from mmext.deployment.photo_segmenter import PhotoSegmenter
from mmext.evaluation.confusion import confusion_matrix, scores
from mmext.models.pose import MediaPipeSelfieSegmentation
from mmext.utils.atomic_io import atomic_write
from mmext.utils.benchmarking import latency_stats

PEERS = ('mediapipe_selfie', 'mediapipe_selfie:1')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config whose test split and label mode are evaluated (and whose test '
                        'resize and normalisation the --onnx models use)')
    parser.add_argument('--peers', nargs='*', default=['mediapipe_selfie'], choices=PEERS)
    parser.add_argument('--onnx', nargs='*', default=[], metavar='NAME=PATH', help='project models to evaluate')
    parser.add_argument('--num', type=int, help='only the first N photos')
    parser.add_argument('--threads', type=int, help='threads of the ONNX Runtime models (default: torch\'s)')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    for item in args.onnx:
        name, sep, path = item.partition('=')
        if not sep or not name or not osp.isfile(path):
            parser.error(f'--onnx {item!r}: expected NAME=PATH with an existing .onnx file')
    if not args.peers and not args.onnx:
        parser.error('nothing to evaluate: give --peers and/or --onnx')
    return args


def build_models(args, cfg: Config) -> dict:
    models = {}
    for peer in args.peers:
        selection = int(peer.split(':')[1]) if ':' in peer else 0
        segmenter = MediaPipeSelfieSegmentation(model_selection=selection)
        models[peer] = dict(run=lambda bgr, s=segmenter: s.predict(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)),
                            size_MB=osp.getsize(segmenter.model_file()) / 2**20, kind='peer',
                            model_file=segmenter.model_file())
    for item in args.onnx:
        name, _, path = item.partition('=')
        segmenter = PhotoSegmenter.from_onnx(cfg, path, threads=args.threads)
        models[name] = dict(run=segmenter, size_MB=osp.getsize(path) / 2**20, kind='onnxruntime', onnx=path)
    return models


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = dict(cfg.test_dataloader.dataset, pipeline=[dict(type='LoadAnnotations')])
    dataset = DATASETS.build(dataset_cfg)
    classes = list(dataset.metainfo['classes'])
    models = build_models(args, cfg)
    count = len(dataset) if args.num is None else min(args.num, len(dataset))
    print(f'{len(models)} models on {count} photos of {type(dataset).__name__} ({", ".join(classes)}), '
          f'{torch.get_num_threads()} threads', flush=True)
    totals = {name: np.zeros((len(classes), len(classes)), np.int64) for name in models}
    per_image = {name: [] for name in models}
    times = {name: [] for name in models}
    names = list(models)
    first = cv2.imread(dataset[0]['img_path'], cv2.IMREAD_COLOR)
    for model in models.values():  # a warm-up call each: the first builds graphs and caches
        model['run'](first)
    for index in tqdm(range(count), unit='photo'):
        info = dataset[index]
        bgr = cv2.imread(info['img_path'], cv2.IMREAD_COLOR)
        label = info['gt_seg_map']
        for name in names[index % len(names):] + names[:index % len(names)]:
            start = time.perf_counter()
            pred = models[name]['run'](bgr)
            times[name].append(1000 * (time.perf_counter() - start))
            matrix = confusion_matrix(label, pred, len(classes), dataset.ignore_index)
            totals[name] += matrix
            per_image[name].append(scores(matrix)['IoU'])
    results = {}
    for name, model in models.items():
        iou = 100 * np.nan_to_num(scores(totals[name])['IoU'])
        image_iou = 100 * np.nanmean(np.stack(per_image[name]), axis=0)
        results[name] = dict(
            {k: v for k, v in model.items() if k != 'run'},
            IoU={c: round(float(v), 3) for c, v in zip(classes, iou)}, mIoU=round(float(iou.mean()), 3),
            per_image_IoU={c: round(float(v), 3) for c, v in zip(classes[1:], image_iou[1:])},
            latency=latency_stats(times[name]))
    report = dict(config=args.config, dataset=dict(type=type(dataset).__name__, photos=count,
                                                   data_root=dataset_cfg.get('data_root'),
                                                   split=dataset_cfg.get('split'), classes=classes),
                  machine=dict(cpu=platform.processor() or platform.machine(), threads=torch.get_num_threads(),
                               torch=torch.__version__),
                  models=results)
    print(f'{"model":<22} {"mIoU":>7} ' + ' '.join(f'{c[:10]:>10}' for c in classes) + f' {"ms/photo":>9} {"MB":>6}')
    for name, result in results.items():
        print(f'{name:<22} {result["mIoU"]:>7.2f} ' + ' '.join(f'{v:>10.2f}' for v in result['IoU'].values())
              + f' {result["latency"]["median_ms"]:>9.2f} {result["size_MB"]:>6.2f}')
    if args.out:
        atomic_write(args.out, json.dumps(report, indent=1))
        print(f'Written {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
