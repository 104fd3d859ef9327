#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Draw what the network is trained on: each sample after the config's augmentations.

Runs the config's train (or --split val/test) pipeline on the first --num samples, stopping before the
packing step, and writes one picture per sample to --out: the photo, the label map, the keypoints with their
skeleton and names (left joints in green, right joints in red: a flipped left wrist must still be a green
l_wrist on the left arm), the limb maps and landmark heatmaps (when the pipeline builds them), the depth
map and any extra input channels. --seed fixes the augmentations.

Example:
    python tools/analysis_tools/browse_dataset.py projects/ccp_pose_aux/configs/clothing4/landmarks_skeleton.py \\
        --num 8 --out work_dirs/browse
"""

import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import Config, DictAction

# mmseg and mmext (and torch with them) are imported once the arguments are parsed (--help stays instant).

PACKERS = ('PackSegInputs', 'PackMultiTaskInputs')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    parser.add_argument('--num', type=int, default=8, help='samples to draw (default: 8)')
    parser.add_argument('--seed', type=int, default=0, help='random seed of the augmentations (default: 0)')
    parser.add_argument('--out', required=True, help='folder for the pictures')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return parser.parse_args(argv)


def heat(maps: np.ndarray, size_hw) -> np.ndarray:
    """(C, h, w) maps -> a BGR heat picture of their maximum at ``size_hw``."""
    top = np.asarray(maps, np.float32).max(0)
    top = cv2.resize(top, (size_hw[1], size_hw[0]), interpolation=cv2.INTER_NEAREST)
    return cv2.applyColorMap(np.clip(top * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)


def draw_pose(image: np.ndarray, keypoints: np.ndarray, visible: np.ndarray) -> np.ndarray:
    from mmext.structures import COCO18_KEYPOINT_NAMES, COCO18_SKELETON

    out = image.copy()
    for a, b in COCO18_SKELETON:
        if visible[a] and visible[b]:
            cv2.line(
                out,
                tuple(int(v) for v in keypoints[a]),
                tuple(int(v) for v in keypoints[b]),
                (255, 255, 255),
                1,
                cv2.LINE_AA,
            )
    for index, name in enumerate(COCO18_KEYPOINT_NAMES):
        if not visible[index]:
            continue
        colour = (0, 200, 0) if name.startswith('l_') else (0, 0, 230) if name.startswith('r_') else (230, 200, 0)
        point = tuple(int(v) for v in keypoints[index])
        cv2.circle(out, point, 3, colour, -1, cv2.LINE_AA)
        cv2.putText(out, name, (point[0] + 4, point[1] - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.3, colour, 1, cv2.LINE_AA)
    return out


def panel(results: dict, palette) -> np.ndarray:
    from mmext.visualization import colorize_mask

    image = np.asarray(results['img'])
    photo = np.clip(image[..., :3], 0, 255).astype(np.uint8)
    size = photo.shape[:2]
    tiles = [('photo (augmented)', photo)]
    if results.get('gt_seg_map') is not None:
        tiles.append(('label map', colorize_mask(results['gt_seg_map'], palette)))
    if results.get('gt_keypoints') is not None:
        tiles.append(
            (
                'keypoints (left green, right red)',
                draw_pose(photo, results['gt_keypoints'][0], results['gt_keypoints_visible'][0] > 0),
            )
        )
    if results.get('gt_limb_maps') is not None:
        tiles.append(('limb maps (max)', heat(results['gt_limb_maps'], size)))
    if results.get('gt_heatmaps') is not None:
        tiles.append(('landmark heatmaps (max)', heat(results['gt_heatmaps'], size)))
    if results.get('gt_depth_map') is not None:
        tiles.append(('depth', heat(np.asarray(results['gt_depth_map'])[None], size)))
    for channel in range(3, image.shape[-1] if image.ndim == 3 else 3):
        tiles.append((f'input channel {channel}', heat(image[None, ..., channel] / 255.0, size)))
    drawn = []
    for title, tile in tiles:
        tile = cv2.copyMakeBorder(tile, 18, 2, 2, 2, cv2.BORDER_CONSTANT, value=(255, 255, 255))
        cv2.putText(tile, title, (3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        drawn.append(tile)
    return np.concatenate(drawn, axis=1)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import mmext  # noqa: F401
    from mmext.visualization import random_palette

    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg[f'{args.split}_dataloader'].dataset
    pipeline = [step for step in dataset_cfg.pipeline if step['type'] not in PACKERS]
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    transform = Compose(pipeline)
    classes = dataset.metainfo.get('classes', ())
    palette = dataset.metainfo.get('palette') or random_palette(max(1, len(classes)))
    np.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    count = min(args.num, len(dataset))
    for index in range(count):
        results = transform(dataset.get_data_info(index))
        name = results.get('sample_id') or osp.splitext(osp.basename(results['img_path']))[0]
        cv2.imwrite(osp.join(args.out, f'{index:03d}_{name}.jpg'), panel(results, palette))
        print(f'[{index + 1}/{count}] {name}', flush=True)
    print(f'{count} pictures of the augmented {args.split} samples in {osp.abspath(args.out)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
