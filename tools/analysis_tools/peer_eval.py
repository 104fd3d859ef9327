#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Person IoU and latency of peers and of the project's deployed models, side by side on one dataset.

Every model takes each photo of CONFIG's test split as a user would give it (the BGR photo at its size) and
returns a class map at that size; IoU is computed on the same label maps (the dataset's label mode, e.g.
CCP person masks) for all. Per photo the models run one after the other, the order rotating from photo to
photo, so the latency medians are measured in interleaved rounds in this one run.

Models:
  --peers mediapipe_selfie[:1]   MediaPipe Selfie Segmentation (mediapipe 0.10.14, model_selection 0 or 1,
                                 mask = probability > 0.5; its own resize and mask output included)
  --peers official_topformer     the official TopFormer backbone code (--official-topformer DIR, read
                                 at run time) with --checkpoint's weights loaded strictly, and CONFIG's head:
                                 eager PyTorch fp32, timed against the same weights in this project's code
                                 (row ours_pytorch); their largest logit difference on the first photo is
                                 reported
  --onnx NAME=PATH.onnx          a project model exported with tools/deployment/export_onnx.py (fp32) or
                                 quantize_onnx.py (INT8), run in ONNX Runtime with CONFIG's test resize and
                                 normalisation (mmext.deployment.PhotoSegmenter)
  --checkpoint CKPT              CONFIG's model with these weights in eager PyTorch fp32 (row ours_pytorch)
  --model NAME CFG WEIGHTS       any project model in the same run, with its own config's test resize and
                                 normalisation: WEIGHTS a .pth checkpoint (eager PyTorch fp32) or an .onnx
                                 file (ONNX Runtime); repeatable. Labels and photos are always CONFIG's.

Reports dataset-level IoU per class and mIoU, per-image mean IoU of each foreground class, median / p90
latency per photo, and the size of each model (on disk; PyTorch rows: the fp32 weights). Results go to
--out (JSON).

Example:
    python tools/analysis_tools/peer_eval.py \\
        projects/fast_person_segmentation/configs/topformer_t-s4_ccp-person-320x192.py \\
        --peers mediapipe_selfie official_topformer --checkpoint work_dirs/person/iter_8000.pth \\
        --onnx ours_fp32=work_dirs/person.onnx ours_int8=work_dirs/person_int8.onnx \\
        --out projects/fast_person_segmentation/results_vs_mediapipe.json
"""

import argparse
import copy
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The reference data beside the repository (docs/data.md): the official TopFormer code is in peers/ there.
SHARED = os.environ.get('MMEXT_SHARED', osp.join(osp.dirname(REPO), 'shared'))
OFFICIAL_TOPFORMER = osp.join(SHARED, 'peers', 'hustvl_topformer')
PEERS = ('mediapipe_selfie', 'mediapipe_selfie:1', 'official_topformer')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        'config',
        help='config whose test split and label mode are evaluated (and whose test '
        'resize and normalisation the --onnx models use)',
    )
    parser.add_argument('--peers', nargs='*', default=['mediapipe_selfie'], choices=PEERS)
    parser.add_argument('--onnx', nargs='*', default=[], metavar='NAME=PATH', help='project models to evaluate')
    parser.add_argument(
        '--official-topformer',
        default=OFFICIAL_TOPFORMER,
        metavar='DIR',
        help='--peers official_topformer: the folder of the official TopFormer code (topformer.py; '
        'default: %(default)s)',
    )
    parser.add_argument(
        '--checkpoint',
        help='CONFIG\'s weights, run in eager PyTorch (and in the official '
        'TopFormer code with --peers official_topformer)',
    )
    parser.add_argument(
        '--model',
        nargs=3,
        action='append',
        default=[],
        metavar=('NAME', 'CFG', 'WEIGHTS'),
        help='another model with its own config: WEIGHTS .pth (eager PyTorch) or .onnx (repeatable)',
    )
    parser.add_argument('--num', type=int, help='only the first N photos')
    parser.add_argument('--threads', type=int, help='threads of the ONNX Runtime models (default: torch\'s)')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    for item in args.onnx:
        name, sep, path = item.partition('=')
        if not sep or not name or not osp.isfile(path):
            parser.error(f'--onnx {item!r}: expected NAME=PATH with an existing .onnx file')
    for name, config, weights in args.model:
        if not osp.isfile(config) or not osp.isfile(weights) or not weights.endswith(('.pth', '.onnx')):
            parser.error(
                f'--model {name}: expected an existing config and an existing .pth or .onnx file, got '
                f'{config} {weights}'
            )
    if args.checkpoint and not osp.isfile(args.checkpoint):
        parser.error(f'--checkpoint {args.checkpoint}: no such file')
    if 'official_topformer' in args.peers and not args.checkpoint:
        parser.error('--peers official_topformer needs --checkpoint (the weights both implementations run)')
    if not args.peers and not args.onnx and not args.checkpoint and not args.model:
        parser.error('nothing to evaluate: give --peers, --onnx and/or --checkpoint')
    return args


def pytorch_segmenter(cfg, segmentor):
    """Eager PyTorch fp32 behind the same photo pre- and post-processing as the ONNX models."""
    import torch

    from mmext.deployment.photo_segmenter import PhotoSegmenter

    @torch.no_grad()
    def logits(x):
        return segmentor(torch.from_numpy(x), mode='tensor').numpy()

    return PhotoSegmenter.from_config(cfg, logits)


def pytorch_models(args, first_photo) -> dict:
    """ours_pytorch, and with --peers official_topformer the same weights in the official backbone code."""
    import torch

    from mmext.deployment.loading import load_segmentor
    from mmext.utils.benchmarking import state_size_mb
    from mmext.utils.peers import official_backbone_pair

    cfg, segmentor = load_segmentor(args.config, args.checkpoint)
    size_MB = state_size_mb(segmentor)
    models = dict(
        ours_pytorch=dict(
            run=pytorch_segmenter(cfg, segmentor), size_MB=size_MB, kind='pytorch', checkpoint=args.checkpoint
        )
    )
    if 'official_topformer' in args.peers:
        official_segmentor = copy.deepcopy(segmentor)
        official_segmentor.backbone, _ = official_backbone_pair(official_segmentor.backbone, args.official_topformer)
        official = pytorch_segmenter(cfg, official_segmentor)
        x = torch.from_numpy(official.preprocess(first_photo))
        with torch.no_grad():
            difference = (official_segmentor(x, mode='tensor') - segmentor(x, mode='tensor')).abs().max().item()
        models['official_topformer'] = dict(
            run=official,
            size_MB=size_MB,
            kind='peer',
            checkpoint=args.checkpoint,
            model='official TopFormer backbone code (hustvl/TopFormer) with the checkpoint\'s weights, '
            'the config\'s head',
            max_abs_logit_diff_to_ours=difference,
        )
    return models


def build_models(args, cfg, first_photo) -> dict:
    import cv2
    from mmengine.config import Config

    from mmext.deployment.loading import load_segmentor
    from mmext.deployment.photo_segmenter import PhotoSegmenter
    from mmext.models.pose import MediaPipeSelfieSegmentation
    from mmext.utils.benchmarking import state_size_mb

    models = pytorch_models(args, first_photo) if args.checkpoint else {}
    for peer in args.peers:
        if peer == 'official_topformer':
            continue  # built with ours_pytorch
        selection = int(peer.split(':')[1]) if ':' in peer else 0
        segmenter = MediaPipeSelfieSegmentation(model_selection=selection)
        models[peer] = dict(
            run=lambda bgr, s=segmenter: s.predict(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)),
            size_MB=osp.getsize(segmenter.model_file()) / 2**20,
            kind='peer',
            model_file=segmenter.model_file(),
        )
    for item in args.onnx:
        name, _, path = item.partition('=')
        segmenter = PhotoSegmenter.from_onnx(cfg, path, threads=args.threads)
        models[name] = dict(run=segmenter, size_MB=osp.getsize(path) / 2**20, kind='onnxruntime', onnx=path)
    for name, config, weights in args.model:
        if weights.endswith('.onnx'):
            segmenter = PhotoSegmenter.from_onnx(Config.fromfile(config), weights, threads=args.threads)
            models[name] = dict(
                run=segmenter, size_MB=osp.getsize(weights) / 2**20, kind='onnxruntime', config=config, onnx=weights
            )
        else:
            model_cfg, segmentor = load_segmentor(config, weights)
            models[name] = dict(
                run=pytorch_segmenter(model_cfg, segmentor),
                size_MB=state_size_mb(segmentor),
                kind='pytorch',
                config=config,
                checkpoint=weights,
            )
    return models


def markdown_table(report: dict) -> str:
    """The report as a Markdown table: one row per model, IoUs of the foreground classes, latency, size."""
    foreground = report['dataset']['classes'][1:]
    header = (
        ['model', 'kind']
        + [f'{c} IoU' for c in foreground]
        + [f'per-image {c} IoU' for c in foreground]
        + ['median ms / photo', 'p90 ms / photo', 'size (MB)']
    )
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for name, result in report['models'].items():
        cells = (
            [name, result['kind']]
            + [f'{result["IoU"][c]:.2f}' for c in foreground]
            + [f'{result["per_image_IoU"][c]:.2f}' for c in foreground]
            + [
                f'{result["latency"]["median_ms"]:.2f}',
                f'{result["latency"]["p90_ms"]:.2f}',
                f'{result["size_MB"]:.2f}',
            ]
        )
        lines.append('| ' + ' | '.join(cells) + ' |')
    machine = report['machine']
    lines += [
        '',
        f'{report["dataset"]["photos"]} photos of {report["dataset"]["type"]} '
        f'({report["dataset"]["split"]} split), {machine["cpu"]}, {machine["threads"]} threads; written by '
        'tools/analysis_tools/peer_eval.py.',
    ]
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    args = parse_args(argv)
    import cv2
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import mmext  # noqa: F401
    from mmext.evaluation.confusion import confusion_matrix, scores
    from mmext.utils.atomic_io import atomic_write
    from mmext.utils.benchmarking import latency_stats
    from mmext.utils.machine import environment
    from mmext.utils.progress import progress
    from mmext.utils.run_records import code_version

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = dict(cfg.test_dataloader.dataset, pipeline=[dict(type='LoadAnnotations')])
    dataset = DATASETS.build(dataset_cfg)
    classes = list(dataset.metainfo['classes'])
    first = cv2.imread(dataset[0]['img_path'], cv2.IMREAD_COLOR)
    models = build_models(args, cfg, first)
    count = len(dataset) if args.num is None else min(args.num, len(dataset))
    print(
        f'{len(models)} models on {count} photos of {type(dataset).__name__} ({", ".join(classes)}), '
        f'{torch.get_num_threads()} threads',
        flush=True,
    )
    totals = {name: np.zeros((len(classes), len(classes)), np.int64) for name in models}
    per_image = {name: [] for name in models}
    times = {name: [] for name in models}
    names = list(models)
    for model in models.values():  # a warm-up call each: the first builds graphs and caches
        model['run'](first)
    for index in progress(range(count), desc='photos', unit='photo'):
        info = dataset[index]
        bgr = cv2.imread(info['img_path'], cv2.IMREAD_COLOR)
        label = info['gt_seg_map']
        for name in names[index % len(names) :] + names[: index % len(names)]:
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
            IoU={c: round(float(v), 3) for c, v in zip(classes, iou)},
            mIoU=round(float(iou.mean()), 3),
            per_image_IoU={c: round(float(v), 3) for c, v in zip(classes[1:], image_iou[1:])},
            latency=latency_stats(times[name]),
        )
    report = dict(
        config=args.config,
        dataset=dict(
            type=type(dataset).__name__,
            photos=count,
            data_root=dataset_cfg.get('data_root'),
            split=dataset_cfg.get('split'),
            classes=classes,
        ),
        machine=environment(),
        code=code_version(REPO),
        command=sys.argv,
        models=results,
    )
    print(f'{"model":<22} {"mIoU":>7} ' + ' '.join(f'{c[:10]:>10}' for c in classes) + f' {"ms/photo":>9} {"MB":>6}')
    for name, result in results.items():
        print(
            f'{name:<22} {result["mIoU"]:>7.2f} '
            + ' '.join(f'{v:>10.2f}' for v in result['IoU'].values())
            + f' {result["latency"]["median_ms"]:>9.2f} {result["size_MB"]:>6.2f}'
        )
    if args.out:
        atomic_write(args.out, json.dumps(report, indent=1))
        table = osp.splitext(args.out)[0] + '.md'
        atomic_write(table, markdown_table(report))
        print(f'Written {args.out} and {table}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
