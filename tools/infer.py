#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Segment photos with a trained model and write, per photo, a colour mask, an overlay and a JSON summary.

For each input NAME.jpg it writes to --out:
    NAME_mask.png      class colours (the dataset palette, or --palette)
    NAME_overlay.jpg   the mask blended over the photo (+ with --show-keypoints the predicted skeleton of a
                       landmark head, or the pose a pose-input model took as input)
    NAME_labels.png    the class index of every pixel (uint8, 0 = first class), with --index-mask
    NAME_depth.png     the predicted relative depth (with --aux-predict depth)
    NAME.json          image size, per-class pixel counts and area fractions, keypoints (x, y, score) and
                       how many were drawn, input pose, depth statistics, latency
The overlay carries a legend of the classes it shows. Auxiliary heads (landmarks, depth) run only when asked
(--aux-predict, or --show-keypoints for landmarks). A pose-input model estimates the pose of each photo with
BlazePose (EstimatePose). Photos above 40 megapixels (read from the file header, before decoding) are
refused with a message; the others are still processed.
Unreadable inputs are reported and skipped; the exit status is 1 if any input failed.

Examples:
    python tools/infer.py configs/quickstart/topformer_b_dresscode_cpu.py work_dirs/quickstart/RUN/iter_600.pth \\
        data/dresscode/dresses/images --out work_dirs/infer --show-keypoints
    python tools/infer.py CONFIG CKPT 'photos/*.jpg' one.png --out out --opacity 0.6 --palette random
    python tools/infer.py effnet-lite0-person-256x160 default photos/ --out out   # a model by name, its weights
    python tools/infer.py --list-models
"""

import argparse
import glob
import json
import os
import os.path as osp
import sys
import time
from typing import List, Tuple

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
MODEL_INDEX = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'model-index.yml')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model config file, or a model name of model-index.yml (--list-models)')
    parser.add_argument('checkpoint', help="checkpoint file ('default': the weights path of a named model)")
    parser.add_argument('inputs', nargs='+', help='image files, folders (searched recursively) or glob patterns')
    parser.add_argument('--out', required=True, help='output folder (created if missing)')
    parser.add_argument(
        '--palette',
        default='dataset',
        help="'dataset' (the model's class colours), 'random', or a JSON file with one RGB triple per class",
    )
    parser.add_argument('--opacity', type=float, default=0.5, help='mask opacity in the overlay, 0..1')
    parser.add_argument(
        '--show-keypoints',
        action='store_true',
        help='draw the skeleton on the overlay: a landmark head\'s prediction, or the input pose of a pose-input model',
    )
    parser.add_argument(
        '--aux-predict',
        nargs='+',
        default=[],
        metavar='HEAD',
        help="auxiliary heads to run: names (e.g. landmarks depth) or 'all' (default: none)",
    )
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='joints scoring below this are not drawn')
    parser.add_argument('--index-mask', action='store_true', help='also write NAME_labels.png: class indices')
    parser.add_argument(
        '--max-pixels',
        type=float,
        default=40e6,
        help='refuse photos with more pixels than this (read from the header; default: 40e6)',
    )
    parser.add_argument('--no-legend', action='store_true', help='overlays without the class legend strip')
    parser.add_argument(
        '--threads',
        type=int,
        help='CPU threads of PyTorch (default: OMP_NUM_THREADS, else one per '
        'core; on a busy shared machine 1 is often fastest)',
    )
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda[:N]'")
    parser.add_argument('--overwrite', action='store_true', help='replace output files that already exist')
    parser.add_argument('--list-models', action='store_true', help='list the model names of model-index.yml and exit')
    if '--list-models' in (sys.argv[1:] if argv is None else argv):
        list_models()
        parser.exit()
    args = parser.parse_args(argv)
    resolve_named_model(parser, args)
    if not 0.0 <= args.opacity <= 1.0:
        parser.error(f'--opacity must be in [0, 1], got {args.opacity}')
    return args


def list_models() -> None:
    from mmext.apis.model_index import load_model_index

    for name, model in load_model_index(MODEL_INDEX).items():
        ready = 'weights ready' if model.weights and osp.isfile(model.weights) else 'not trained here yet'
        print(f'{name}: {osp.relpath(model.config)} ({ready})')


def resolve_named_model(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A model name of model-index.yml in place of CONFIG: its config, and with CHECKPOINT 'default' its weights
    (which must exist: the error says how to train them)."""
    from mmext.apis.model_index import resolve_model

    try:
        model = resolve_model(args.config, MODEL_INDEX)
    except (KeyError, FileNotFoundError, ValueError) as e:
        parser.error(str(e).strip('"'))
    if model is None:
        if args.checkpoint == 'default':
            parser.error("CHECKPOINT 'default' needs a model name, not a config file")
        return
    args.config = model.config
    if args.checkpoint == 'default':
        if not model.weights or not osp.isfile(model.weights):
            parser.error(model.missing_weights_message())
        args.checkpoint = model.weights


def collect_inputs(patterns: List[str]) -> Tuple[List[str], List[str]]:
    """Expand files, folders and globs in order; returns (image paths, patterns that matched nothing)."""
    found, unmatched = [], []
    for pattern in patterns:
        if osp.isdir(pattern):
            matches = sorted(
                osp.join(root, name)
                for root, _, names in os.walk(pattern)
                for name in names
                if name.lower().endswith(IMAGE_SUFFIXES)
            )
        elif osp.isfile(pattern):
            matches = [pattern]
        else:
            matches = sorted(p for p in glob.glob(pattern, recursive=True) if osp.isfile(p))
        if not matches:
            unmatched.append(pattern)
        found.extend(m for m in matches if m not in found)
    return found, unmatched


def output_stems(paths: List[str]) -> List[str]:
    """File stems, made unique with a numeric suffix where two inputs share a name."""
    seen, stems = {}, []
    for path in paths:
        stem = osp.splitext(osp.basename(path))[0]
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        stems.append(stem if count == 0 else f'{stem}_{count}')
    return stems


def load_palette(option: str, dataset_palette: List[List[int]]) -> List[List[int]]:
    from mmext.visualization import random_palette

    num_classes = len(dataset_palette)
    if option == 'dataset':
        return dataset_palette
    if option == 'random':
        return random_palette(num_classes)
    if not osp.isfile(option):
        raise SystemExit(f"error: --palette {option!r} is neither 'dataset', 'random' nor an existing JSON file")
    palette = json.load(open(option))
    if (
        not isinstance(palette, list)
        or len(palette) < num_classes
        or not all(isinstance(c, list) and len(c) == 3 for c in palette)
    ):
        raise SystemExit(f'error: {option}: expected a JSON list of at least {num_classes} [R, G, B] triples')
    return palette


def run_jobs(args: argparse.Namespace, jobs: List[Tuple[str, dict]], failures: List[Tuple[str, str]]) -> None:
    """Segment each (image path, output paths) job, appending unreadable inputs to ``failures``."""
    import cv2
    import numpy as np
    import torch

    import mmext  # noqa: F401  (registers mmext's modules)
    from mmext.apis import inference_model, init_model, predictable_aux_heads
    from mmext.models.heads import LandmarkHeatmapHead
    from mmext.utils.image_limits import ImageTooLarge, check_image_size
    from mmext.utils.progress import progress as progress_report
    from mmext.visualization import add_legend, colorize_depth, colorize_mask, draw_overlay

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f'{torch.get_num_threads()} CPU thread(s)' + (f', device {args.device}' if args.device != 'cpu' else ''))
    aux = 'all' if args.aux_predict == ['all'] else list(args.aux_predict)
    model = init_model(args.config, args.checkpoint, device=args.device, aux_predict=aux)
    if args.show_keypoints and aux != 'all':
        from mmext.apis import set_aux_predict

        set_aux_predict(model, sorted(set(aux) | set(predictable_aux_heads(model, LandmarkHeatmapHead))))
    palette = load_palette(args.palette, model.dataset_meta['palette'])
    os.makedirs(args.out, exist_ok=True)
    notes = set()
    progress = progress_report(total=len(jobs), desc='infer', unit='photo')
    for path, targets in jobs:
        try:
            check_image_size(path, max_pixels=args.max_pixels, max_bytes=float('inf'))
        except ImageTooLarge as error:
            failures.append((path, str(error)))
            progress.update()
            continue
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            failures.append((path, 'cannot be read as an image (missing, truncated or not an image file)'))
            progress.update()
            continue
        start = time.perf_counter()
        result = inference_model(model, image)
        latency_ms = (time.perf_counter() - start) * 1000
        skeleton = None
        if args.show_keypoints:
            skeleton = result.landmarks if result.landmarks is not None else result.input_pose
        drawn = int((skeleton[:, 2] >= args.kpt_thr).sum()) if skeleton is not None else 0
        cv2.imwrite(targets['mask'], colorize_mask(result.seg_map, palette))
        overlay = draw_overlay(image, result.seg_map, palette, args.opacity, skeleton, args.kpt_thr)
        if not args.no_legend:
            overlay = add_legend(overlay, result.seg_map, result.classes, palette)
        cv2.imwrite(targets['overlay'], overlay)
        if args.index_mask:
            cv2.imwrite(targets['labels'], result.seg_map.astype(np.uint8))
        if result.depth is not None:
            cv2.imwrite(targets['depth'], colorize_depth(result.depth))
        summary = dict(image=osp.abspath(path), latency_ms=latency_ms, **result.to_dict())
        if args.show_keypoints:
            summary['keypoints_drawn'] = drawn
            if skeleton is None:
                notes.add('--show-keypoints: this model has no landmark head and takes no pose input: no skeleton')
            elif drawn == 0:
                notes.add(
                    f'--show-keypoints: no joint scored >= --kpt-thr {args.kpt_thr} in some photos '
                    '(see keypoints_drawn in their JSON); lower --kpt-thr to see the weak ones'
                )
        with open(targets['json'], 'w') as f:
            json.dump(summary, f, indent=1)
        progress.update()
    progress.close()
    for note in sorted(notes):
        print(f'note: {note}', file=sys.stderr)


def main(argv=None) -> int:
    args = parse_args(argv)
    paths, unmatched = collect_inputs(args.inputs)
    for pattern in unmatched:
        print(f'warning: {pattern!r} matched no image file', file=sys.stderr)
    if not paths:
        print('error: no input images found', file=sys.stderr)
        return 1

    failures, jobs = [], []
    for path, stem in zip(paths, output_stems(paths)):
        targets = {
            kind: osp.join(args.out, stem + suffix)
            for kind, suffix in (
                ('mask', '_mask.png'),
                ('overlay', '_overlay.jpg'),
                ('depth', '_depth.png'),
                ('json', '.json'),
                ('labels', '_labels.png'),
            )
        }
        existing = [p for p in targets.values() if osp.exists(p)]
        if existing and not args.overwrite:
            failures.append((path, f'output {existing[0]} exists (use --overwrite to replace it)'))
        else:
            jobs.append((path, targets))
    if jobs:
        run_jobs(args, jobs, failures)
    done = len(paths) - len(failures)
    print(f'{done} of {len(paths)} images segmented; results in {osp.abspath(args.out)}')
    if failures:
        print(f'{len(failures)} input(s) failed:', file=sys.stderr)
        for path, problem in failures:
            print(f'  {path}: {problem}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
