#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""What does a depth input channel cost at inference? Measured side by side in one run (batch 1, CPU).

Times, in interleaved rounds:
  seg_rgb               the segmentor of CONFIG with an RGB-only input (its 3-channel peer)
  midas_small_256       MiDaS v2.1 small forward at 256x256 (its native size)
  seg_rgbd_precomputed  the segmentor of CONFIG on RGB + a precomputed depth channel
  depth_and_seg         on the fly: MiDaS small pre-processing + forward + resize back (MiDaSSmall.estimate)
                        on a uint8 photo of --shape, depth normalisation, then the RGB-D segmentor
and reports each as a ratio to seg_rgb. Latency does not depend on weight values, so --midas-weights is
optional (random weights otherwise).

Example:
    python tools/analysis_tools/depth_cost.py configs/ablations/dresscode_aux/depth_input.py \\
        --shape 512 512 --out work_dirs/depth_cost.json
"""

import argparse
import copy
import json
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import Config

# The repository this tool lies in: the code version its result file records.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# torch and mmext are imported once the arguments are parsed (--help stays instant).


def rgb_peer(cfg: Config) -> Config:
    """The same config with a 3-channel input (data preprocessor statistics and backbone stem)."""
    peer = copy.deepcopy(cfg)
    preprocessor = peer.model.data_preprocessor
    preprocessor.mean, preprocessor.std = list(preprocessor.mean[:3]), list(preprocessor.std[:3])
    preprocessor.type = 'SegDataPreProcessor'
    peer.model.backbone.in_channels = 3
    return peer


def measure(config: str, shape, repeat: int, warmup: int, midas_weights=None) -> dict:
    import torch

    import mmext  # noqa: F401
    from mmext.models.depth import MiDaSSmall
    from mmext.utils.benchmarking import TensorMode, build_inference_segmentor, input_channels, time_side_by_side
    from mmext.utils.machine import cpu_model

    cfg = Config.fromfile(config)
    if input_channels(cfg) != 4:
        raise ValueError(
            f'{config}: expected an RGB + depth model (4 input channels), '
            f'its data preprocessor has {input_channels(cfg)}'
        )
    seg_rgb = TensorMode(build_inference_segmentor(rgb_peer(cfg)))
    seg_rgbd = TensorMode(build_inference_segmentor(cfg))
    midas = MiDaSSmall(weights=midas_weights).eval()

    height, width = shape
    generator = torch.Generator().manual_seed(0)
    rgb = torch.randn(1, 3, height, width, generator=generator)
    rgbd = torch.randn(1, 4, height, width, generator=generator)
    midas_input = torch.randn(1, 3, 256, 256, generator=generator)
    photo = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)

    def depth_and_seg():
        depth = torch.from_numpy(midas.estimate([photo])[0])
        depth = (depth - depth.min()) / (depth.max() - depth.min()).clamp_min(1e-12)
        return seg_rgbd(torch.cat([rgb, depth[None, None]], dim=1))

    timings = time_side_by_side(
        {
            'seg_rgb': lambda: seg_rgb(rgb),
            'midas_small_256': lambda: midas(midas_input),
            'seg_rgbd_precomputed': lambda: seg_rgbd(rgbd),
            'depth_and_seg': depth_and_seg,
        },
        repeat,
        warmup,
    )
    base = timings['seg_rgb']['median_ms']
    for timing in timings.values():
        timing['ratio_to_seg_rgb'] = timing['median_ms'] / base
    return dict(
        config=config,
        shape=list(shape),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        cpu=cpu_model(),
        midas_weights=midas_weights,
        timings=timings,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='an RGB + depth segmentation config (4 input channels)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='segmentation input / photo size (default: 512 512)',
    )
    parser.add_argument('--midas-weights', help='local midas_v21_small_256.pt (optional: random weights)')
    parser.add_argument('--repeat', type=int, default=20, help='timed rounds (default: 20)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed rounds first (default: 3)')
    parser.add_argument('--out', help='write the measurements as JSON here')
    args = parser.parse_args(argv)
    import torch

    from mmext.utils.run_records import provenance

    print(
        f'Timing 4 paths at {args.shape[0]}x{args.shape[1]}, {args.warmup} warm-up + {args.repeat} rounds, '
        f'{torch.get_num_threads()} threads ...',
        flush=True,
    )
    result = measure(args.config, tuple(args.shape), args.repeat, args.warmup, args.midas_weights)
    result.update(provenance(argv, __file__, repo=REPO))  # machine (CPU, threads, versions), code (commit), command
    print(f'{"path":<22} {"median ms":>10} {"p90 ms":>8} {"x seg_rgb":>10}')
    for name, timing in result['timings'].items():
        print(f'{name:<22} {timing["median_ms"]:>10.1f} {timing["p90_ms"]:>8.1f} {timing["ratio_to_seg_rgb"]:>10.2f}')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'Written {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
