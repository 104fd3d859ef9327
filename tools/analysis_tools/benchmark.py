#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Cost of a segmentor: parameters, GFLOPs, latency (median, p90), throughput and peak memory.

Inference (default) times the segmentation path (``mode='tensor'``: image batch -> logits; auxiliary task
heads are not part of it) on random input of --shape, in eager PyTorch (optionally with folded
BatchNorm, channels_last, bf16/fp16, torch.compile) or in ONNX Runtime (the model exported on the fly, or
a given .onnx such as an INT8 model). --train times full training steps instead (data preprocessor,
forward, all losses, backward, optimizer) on batches of the config's own train dataloader, so the
multi-task heads' targets and losses are real; its throughput is training images per second.

--compare CONFIG2 measures a second model with the same settings in the same run -- rounds interleaved
(A B, A B, ...) so machine load hits both alike -- and reports CONFIG2 / CONFIG ratios.

--peer adds a model from outside the project to the same interleaved rounds:
  official_topformer  the official TopFormer backbone (its code read at run time from --official-topformer,
                      by default $MMEXT_SHARED/peers/hustvl_topformer or ../shared/peers/hustvl_topformer
                      beside the repository) with CONFIG's backbone weights; both backbones are timed on the
                      --shape input and the report gives ours / official (skipped, saying why, when the
                      folder is absent)
  mediapipe_selfie    MediaPipe Selfie Segmentation on --photo; CONFIG's model is then timed end to end on
                      the same photo as a user calls it (resize and normalise, the backend, logits resized to
                      the photo and argmax: mmext.deployment.PhotoSegmenter), as MediaPipe's time includes
                      its own resize and mask output

GFLOPs are mmengine's count of the PyTorch inference graph at --shape (multiply-add = 1 FLOP). Peak
memory is what one call adds on top of the loaded model (CUDA: allocator peak; CPU: peak RSS growth in a
forked one-thread child, see mmext.utils.benchmarking.peak_memory_mb).

Examples:
    python tools/analysis_tools/benchmark.py configs/_base_/models/topformer_base.py --shape 512 512
    python tools/analysis_tools/benchmark.py configs/ablations/dresscode_aux/seg_only.py \\
        --compare configs/topformer_pose_aux.py --out work_dirs/bench/aux_inference.json
    python tools/analysis_tools/benchmark.py configs/ablations/dresscode_aux/seg_only.py --train --batch-size 2 \\
        --compare configs/topformer_pose_aux.py --repeat 5 --warmup 1       # training overhead of the aux heads
    python tools/analysis_tools/benchmark.py CONFIG CKPT --backend onnxruntime --onnx work_dirs/model_int8.onnx
    python tools/analysis_tools/benchmark.py CONFIG --fuse-bn --channels-last --precision bf16
    python tools/analysis_tools/benchmark.py configs/_base_/models/topformer_base.py --peer official_topformer
    python tools/analysis_tools/benchmark.py CONFIG CKPT --backend onnxruntime --onnx person.onnx \\
        --peer mediapipe_selfie --photo data/ccp/photos/0001.jpg
"""

import argparse
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Optional

from mmengine.config import DictAction

# torch, mmseg and mmext are imported once the arguments are parsed (--help stays instant).
# The same names as mmext.utils.peers.PEER_NAMES (tests/test_tool_help.py checks).
PEER_NAMES = ('official_topformer', 'mediapipe_selfie')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The reference data beside the repository (docs/data.md): the official TopFormer code is in peers/ there.
SHARED = os.environ.get('MMEXT_SHARED', osp.join(osp.dirname(REPO), 'shared'))
OFFICIAL_TOPFORMER = osp.join(SHARED, 'peers', 'hustvl_topformer')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', nargs='?', help='weights (optional: latency does not depend on them)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='inference input size (default: 512 512); --train uses the pipeline crop',
    )
    parser.add_argument('--batch-size', type=int, default=1, help='images per call (default: 1)')
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:N] (default: cpu)')
    parser.add_argument('--backend', default='pytorch', choices=['pytorch', 'onnxruntime'])
    parser.add_argument('--onnx', help='onnxruntime: time this .onnx (e.g. INT8) instead of exporting CONFIG')
    parser.add_argument(
        '--providers',
        nargs='+',
        default=['CPUExecutionProvider'],
        metavar='PROVIDER',
        help='onnxruntime: execution providers in order, e.g. CUDAExecutionProvider '
        'CPUExecutionProvider (needs onnxruntime-gpu; default: the CPU)',
    )
    parser.add_argument(
        '--precision',
        default='fp32',
        choices=['fp32', 'fp16', 'bf16'],
        help='pytorch: inference dtype (fp16 needs CUDA)',
    )
    parser.add_argument('--fuse-bn', action='store_true', help='pytorch: fold BatchNorm into the convolutions')
    parser.add_argument('--channels-last', action='store_true', help='pytorch: NHWC memory format')
    parser.add_argument(
        '--compile',
        nargs='?',
        const='default',
        metavar='MODE',
        help='pytorch: torch.compile the model (mode: default, reduce-overhead, max-autotune)',
    )
    parser.add_argument('--threads', type=int, help='CPU threads (default: torch default)')
    parser.add_argument('--train', action='store_true', help='time training steps instead of inference')
    parser.add_argument('--repeat', type=int, default=20, help='timed rounds (default: 20)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed rounds first (default: 3)')
    parser.add_argument('--no-memory', action='store_true', help='skip the peak-memory measurement')
    parser.add_argument('--compare', metavar='CONFIG2', help='a second model measured side by side')
    parser.add_argument('--compare-checkpoint', metavar='CKPT2', help='weights of CONFIG2')
    parser.add_argument('--compare-onnx', metavar='ONNX2', help='onnxruntime: .onnx of the second model')
    parser.add_argument('--peer', choices=PEER_NAMES, help='a model from outside the project, timed alongside')
    parser.add_argument('--photo', help='--peer mediapipe_selfie: the photo both models segment')
    parser.add_argument(
        '--official-topformer',
        default=OFFICIAL_TOPFORMER,
        metavar='DIR',
        help='--peer official_topformer: the folder of the official TopFormer code (topformer.py; '
        'default: %(default)s)',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override settings of both configs, e.g. train_dataloader.dataset.data_root=DIR',
    )
    parser.add_argument('--out', help='write the measurements as JSON here')
    args = parser.parse_args(argv)
    if args.train and args.backend != 'pytorch':
        parser.error('--train measures PyTorch training; leave --backend at pytorch')
    if args.backend == 'onnxruntime' and not args.device.startswith('cpu'):
        parser.error('--backend onnxruntime picks its device with --providers; leave --device at cpu')
    for path in (args.config, args.checkpoint, args.onnx, args.compare, args.compare_checkpoint, args.compare_onnx):
        if path and not osp.isfile(path):
            parser.error(f'{path} not found')
    if args.peer == 'mediapipe_selfie' and not (args.photo and osp.isfile(args.photo)):
        parser.error('--peer mediapipe_selfie needs --photo PATH of an existing photo')
    if args.peer and (args.train or args.compare):
        parser.error('--peer times inference next to CONFIG alone: leave out --train and --compare')
    import torch

    from mmext.deployment import check_precision

    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: no CUDA device is available')
    try:
        check_precision(args.precision, args.device)
    except ValueError as e:
        parser.error(str(e))
    return args


def inference_candidate(args, config: str, checkpoint: Optional[str], onnx_path: Optional[str], tmp: str) -> dict:
    """Cost figures of one model and a zero-argument callable running one inference batch."""
    import torch

    from mmext.deployment import OrtRunner, export_onnx, optimize_eager
    from mmext.deployment.eager import PRECISIONS
    from mmext.deployment.loading import load_segmentor
    from mmext.utils.benchmarking import TensorMode, count_gflops, count_parameters, input_channels, state_size_mb

    cfg, segmentor = load_segmentor(config, checkpoint, args.cfg_options)
    shape = (args.batch_size, input_channels(cfg), *args.shape)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    info = dict(
        config=config,
        checkpoint=checkpoint,
        params=count_parameters(segmentor),
        GFLOPs_per_image=count_gflops(TensorMode(segmentor), x[:1]),
    )
    if args.backend == 'pytorch':
        run_model = optimize_eager(
            TensorMode(segmentor), args.device, args.fuse_bn, args.channels_last, args.precision, args.compile
        )
        x = x.to(args.device)
        info['size_MB'] = state_size_mb(segmentor) * PRECISIONS[args.precision].itemsize / 4  # stored as fp32
        if args.peer == 'mediapipe_selfie':
            return photo_candidate(args, cfg, info, lambda a: run_model(torch.from_numpy(a).to(args.device)))
        return dict(info=info, run=lambda: run_model(x))
    if onnx_path is None:
        onnx_path = export_onnx(segmentor, osp.join(tmp, f'{len(os.listdir(tmp))}.onnx'), shape)
    runner = OrtRunner(onnx_path, threads=args.threads, providers=args.providers)
    info.update(onnx=onnx_path, size_MB=osp.getsize(onnx_path) / 2**20, providers=runner.providers)
    if args.peer == 'mediapipe_selfie':
        return photo_candidate(args, cfg, info, runner)
    array = x.numpy()
    return dict(info=info, run=lambda: runner(array))


def photo_candidate(args, cfg, info: dict, logits) -> dict:
    """CONFIG's model end to end on --photo: the PhotoSegmenter path (resize, normalise, logits, resize back)."""
    import cv2
    import torch

    from mmext.deployment.photo_segmenter import PhotoSegmenter

    segmenter = PhotoSegmenter.from_config(cfg, lambda a: torch.as_tensor(logits(a)).float().cpu().numpy())
    photo = cv2.imread(args.photo, cv2.IMREAD_COLOR)
    info.update(end_to_end=True, photo=args.photo, input_hw=list(segmenter.preprocess(photo).shape[2:]))
    return dict(info=info, run=lambda: segmenter(photo))


def peer_candidates(args, main_candidate: dict) -> dict:
    """The --peer model as a candidate timed with CONFIG's model."""
    import torch

    from mmext.deployment.loading import load_segmentor
    from mmext.utils.benchmarking import count_parameters

    if args.peer == 'mediapipe_selfie':
        import cv2

        from mmext.models.pose import MediaPipeSelfieSegmentation

        segmenter = MediaPipeSelfieSegmentation()
        rgb = cv2.cvtColor(cv2.imread(args.photo, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        info = dict(
            model='MediaPipe Selfie Segmentation (model_selection=0)',
            end_to_end=True,
            photo=args.photo,
            size_MB=osp.getsize(segmenter.model_file()) / 2**20,
        )
        return {'mediapipe_selfie': dict(info=info, run=lambda: segmenter.predict(rgb))}
    from mmext.utils.peers import official_backbone_pair

    _, segmentor = load_segmentor(args.config, args.checkpoint, args.cfg_options)
    official, ours = official_backbone_pair(segmentor.backbone, args.official_topformer)
    x = torch.randn(1, 3, *args.shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        differences = [(a - b).abs().max().item() for a, b in zip(ours(x), official(x))]
    main_candidate['run'] = lambda: ours(x)  # backbone against backbone
    main_candidate['info'].update(timed='backbone', max_abs_diff_to_official=max(differences))
    info = dict(
        model='official TopFormer backbone (hustvl/TopFormer), same weights',
        timed='backbone',
        params=count_parameters(official),
    )
    return {'official_topformer': dict(info=info, run=lambda: official(x))}


def train_candidate(args, config: str) -> dict:
    import torch
    from mmengine.config import Config

    from mmext.utils.benchmarking import TensorMode, count_gflops, count_parameters, input_channels
    from mmext.utils.train_benchmark import build_train_step

    cfg = Config.fromfile(config)
    cfg.merge_from_dict(args.cfg_options)
    model, step = build_train_step(cfg, args.batch_size, args.device)
    x = torch.randn(1, input_channels(cfg), *args.shape)
    info = dict(config=config, params=count_parameters(model))
    model.eval()
    info['GFLOPs_per_image'] = count_gflops(TensorMode(model), x.to(args.device))
    model.train()
    return dict(info=info, run=step)


def summary_line(name: str, result: dict, args) -> str:
    unit = 'train img/s' if args.train else 'img/s'
    memory = result.get('peak_memory_MB')
    return (
        f'{name}: {result["params"] / 1e6:.2f} M params, {result["GFLOPs_per_image"]:.2f} GFLOPs/img, '
        f'median {result["latency"]["median_ms"]:.1f} ms (p90 {result["latency"]["p90_ms"]:.1f}), '
        f'{result["throughput_img_s"]:.1f} {unit}, peak memory '
        + (f'+{memory:.0f} MB' if memory is not None else 'n/a')
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    import mmext  # noqa: F401
    from mmext.utils.benchmarking import peak_memory_mb, time_side_by_side
    from mmext.utils.peers import PeerUnavailable
    from mmext.utils.run_records import provenance

    if args.threads:
        torch.set_num_threads(args.threads)
    mode = 'training steps' if args.train else f'{args.backend} inference'
    models = [('main', args.config, args.checkpoint, args.onnx)]
    if args.compare:
        models.append(('compare', args.compare, args.compare_checkpoint, args.compare_onnx))
    candidates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, config, checkpoint, onnx_path in models:
            print(f'Building {name}: {config} ...', flush=True)
            candidates[name] = (
                train_candidate(args, config)
                if args.train
                else inference_candidate(args, config, checkpoint, onnx_path, tmp)
            )
        if args.peer:
            print(f'Building peer {args.peer} ...', flush=True)
            try:
                candidates.update(peer_candidates(args, candidates['main']))
            except (PeerUnavailable, ImportError) as error:
                print(f'skipped peer {args.peer}: {error}', file=sys.stderr)
                args.peer = None
        print(
            f'Timing {mode} of {len(candidates)} model(s), batch {args.batch_size}, {args.warmup} warm-up + '
            f'{args.repeat} rounds, {torch.get_num_threads()} threads, {args.device} ...',
            flush=True,
        )
        sync = torch.cuda.synchronize if args.device.startswith('cuda') else None
        timings = time_side_by_side({name: c['run'] for name, c in candidates.items()}, args.repeat, args.warmup, sync)
        results = {}
        for name, candidate in candidates.items():
            result = dict(candidate['info'], latency=timings[name])
            result['throughput_img_s'] = 1000 * args.batch_size / timings[name]['median_ms']
            if name == args.peer:
                results[name] = result
                continue
            if not args.no_memory:
                print(f'Measuring peak memory of {name} ...', flush=True)
                result['peak_memory_MB'] = peak_memory_mb(candidate['run'], args.device)
            results[name] = result
    report = dict(
        mode='train' if args.train else 'inference',
        settings=dict(
            shape=args.shape,
            batch_size=args.batch_size,
            device=args.device,
            backend=args.backend,
            precision=args.precision,
            fuse_bn=args.fuse_bn,
            channels_last=args.channels_last,
            compile=args.compile,
            threads=torch.get_num_threads(),
            repeat=args.repeat,
            warmup=args.warmup,
        ),
        config=args.config,
        cfg_options=args.cfg_options,
        **provenance(argv, __file__, repo=REPO),  # machine (CPU, threads, versions), code (commit), command
        models=results,
    )
    if 'compare' in results:
        main_result, other = results['main'], results['compare']
        report['ratio'] = dict(
            latency=other['latency']['median_ms'] / main_result['latency']['median_ms'],
            throughput=other['throughput_img_s'] / main_result['throughput_img_s'],
            params=other['params'] / main_result['params'],
            GFLOPs=other['GFLOPs_per_image'] / main_result['GFLOPs_per_image'],
        )
        if other.get('peak_memory_MB') and main_result.get('peak_memory_MB'):
            report['ratio']['peak_memory'] = other['peak_memory_MB'] / main_result['peak_memory_MB']
    if args.peer:
        report['ratio_to_peer'] = dict(
            latency=results['main']['latency']['median_ms'] / results[args.peer]['latency']['median_ms']
        )
    for name, result in results.items():
        if name == args.peer:
            print(f'{name}: median {result["latency"]["median_ms"]:.2f} ms (p90 {result["latency"]["p90_ms"]:.2f})')
            continue
        print(summary_line(f'{name} ({osp.basename(result["config"])})', result, args))
    if 'ratio_to_peer' in report:
        print(f'main / {args.peer} latency: x{report["ratio_to_peer"]["latency"]:.3f}')
    if 'ratio' in report:
        print('compare / main: ' + ', '.join(f'{key} x{value:.3f}' for key, value in report['ratio'].items()))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
        print(f'Written {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
