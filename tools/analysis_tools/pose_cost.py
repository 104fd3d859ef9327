#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""What does pose as an input cost at inference? Measured side by side in one run (batch 1, CPU).

Times, in interleaved rounds, the whole inference path of the API (test pipeline, model, resizing the
prediction back to the photo) on one photo:
  seg_rgb               RGB_CONFIG: the RGB-only peer
  blazepose             BlazePose (MediaPipe Pose, full model) on the photo at its size
  seg_pose_precomputed  CONFIG with the pose read from a keypoint file (annotate_pose.py output)
  pose_and_seg          CONFIG on the plain photo: BlazePose on the fly (EstimatePose), then segmentation
and reports each as a ratio to seg_rgb. Latency does not depend on weight values: the models keep their
random initialisation.

Example:
    python tools/analysis_tools/pose_cost.py projects/ccp_pose_aux/configs/clothing4/pose_input.py \\
        --rgb-config projects/ccp_pose_aux/configs/clothing4/seg_only.py \\
        --photo data/ccp/photos/0001.jpg --keypoints data/ccp/keypoints/0001.json \\
        --out projects/ccp_pose_aux/results_pose_cost.json
"""

import argparse
import json
import os.path as osp
import sys

import cv2

# The repository this tool lies in: the code version its result file records.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# torch and mmext are imported once the arguments are parsed (--help stays instant).


def measure(config: str, rgb_config: str, photo_path: str, keypoints: str, repeat: int, warmup: int) -> dict:
    import torch

    import mmext  # noqa: F401
    from mmext.apis import inference_model, init_model
    from mmext.models.pose import BlazePose
    from mmext.utils.benchmarking import time_side_by_side
    from mmext.utils.machine import cpu_model

    photo = cv2.imread(photo_path, cv2.IMREAD_COLOR)
    if photo is None:
        raise FileNotFoundError(f'--photo {photo_path} cannot be read as an image')
    if not osp.isfile(keypoints):
        raise FileNotFoundError(f'--keypoints {keypoints} does not exist (annotate_pose.py writes it)')
    seg_rgb = init_model(rgb_config, cfg_options={'model.backbone.init_cfg': None})
    seg_pose = init_model(config, cfg_options={'model.backbone.init_cfg': None})
    blazepose = BlazePose()
    rgb = cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)
    estimate = blazepose.estimate([rgb])[0]
    timings = time_side_by_side(
        {
            'seg_rgb': lambda: inference_model(seg_rgb, photo),
            'blazepose': lambda: blazepose.estimate([rgb]),
            'seg_pose_precomputed': lambda: inference_model(seg_pose, dict(img=photo, keypoints_path=keypoints)),
            'pose_and_seg': lambda: inference_model(seg_pose, photo),
        },
        repeat,
        warmup,
    )
    base = timings['seg_rgb']['median_ms']
    for timing in timings.values():
        timing['ratio_to_seg_rgb'] = timing['median_ms'] / base
    return dict(
        config=config,
        rgb_config=rgb_config,
        photo=photo_path,
        photo_hw=list(photo.shape[:2]),
        person_found=estimate is not None,
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        cpu=cpu_model(),
        timings=timings,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a pose-input segmentation config (ConcatExtraChannels with pose)')
    parser.add_argument('--rgb-config', required=True, help='its RGB-only peer')
    parser.add_argument('--photo', required=True, help='a photo with a person')
    parser.add_argument('--keypoints', required=True, help='the photo\'s keypoint file (for the precomputed path)')
    parser.add_argument('--repeat', type=int, default=20, help='timed rounds (default: 20)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed rounds first (default: 3)')
    parser.add_argument('--out', help='write the measurements as JSON here')
    args = parser.parse_args(argv)
    import torch

    from mmext.utils.atomic_io import atomic_write
    from mmext.utils.run_records import provenance

    print(
        f'Timing 4 paths on {args.photo}, {args.warmup} warm-up + {args.repeat} rounds, '
        f'{torch.get_num_threads()} threads ...',
        flush=True,
    )
    result = measure(args.config, args.rgb_config, args.photo, args.keypoints, args.repeat, args.warmup)
    result.update(provenance(argv, __file__, repo=REPO))  # machine (CPU, threads, versions), code (commit), command
    print(f'{"path":<22} {"median ms":>10} {"p90 ms":>8} {"x seg_rgb":>10}')
    for name, timing in result['timings'].items():
        print(f'{name:<22} {timing["median_ms"]:>10.1f} {timing["p90_ms"]:>8.1f} {timing["ratio_to_seg_rgb"]:>10.2f}')
    if args.out:
        atomic_write(args.out, json.dumps(result, indent=2))
        print(f'Written {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
