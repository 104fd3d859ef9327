#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The last step of the quickstart scripts: print the run's metrics on one line and write quickstart.json.

Reads WORK_DIR/run_summary.json (RunSummaryHook) and writes WORK_DIR/quickstart.json: the script, its wall
time, the training time and iterations, the thread setting and the --keys metrics -- the file the README's
quickstart times quote -- with the machine (CPU model, versions), the code commit and the command line.
Prints the metrics line the script shows at the end.

Example:
    python tools/misc/quickstart_summary.py work_dirs/quickstart/RUN 308 quickstart.sh --keys mIoU PCK@0.1
"""

import argparse
import importlib.util
import json
import os
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def machine_module():
    """mmext/utils/machine.py loaded on its own: importing the mmext package would add seconds to the
    quickstart's measured wall time."""
    spec = importlib.util.spec_from_file_location('mmext_machine', osp.join(REPO, 'mmext', 'utils', 'machine.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dir', help='the run\'s work dir (holds run_summary.json)')
    parser.add_argument('seconds', type=int, help='wall time of the whole quickstart script')
    parser.add_argument('script', help='the script that ran (its file name is recorded)')
    parser.add_argument('--keys', nargs='+', required=True, help='metrics to print and record, where present')
    args = parser.parse_args(argv)
    with open(osp.join(args.work_dir, 'run_summary.json')) as f:
        run = json.load(f)
    metrics = {k: run['val_metrics'][k] for k in args.keys if k in run['val_metrics']}
    print(', '.join(f'{k} {v:.1f}' for k, v in metrics.items()))
    with open(osp.join(args.work_dir, 'quickstart.json'), 'w') as f:
        json.dump(
            dict(
                script=osp.basename(args.script),
                seconds=args.seconds,
                train_time_s=round(run['train_time_s']),
                iterations=run['iterations'],
                threads=os.environ.get('OMP_NUM_THREADS', 'default'),
                metrics=metrics,
                **machine_module().provenance(argv, __file__, repo=REPO),
            ),
            f,
            indent=2,
        )
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
