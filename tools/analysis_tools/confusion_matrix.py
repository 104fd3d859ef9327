#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Confusion matrix of saved predictions against a config's test labels (mmseg's offline tool).

PREDICTION_DIR holds one label map PNG per test image, named after the photo (``tools/test.py CONFIG CKPT
--out PREDICTION_DIR`` writes them). Rows are the true classes, columns the predicted ones; the picture is
normalised per row (the share of each true class predicted as each class), the JSON keeps the pixel counts
with per-class recall and precision.

Example:
    python tools/test.py CONFIG CHECKPOINT --out work_dirs/preds
    python tools/analysis_tools/confusion_matrix.py CONFIG work_dirs/preds --out work_dirs/confusion
"""

import argparse
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import Config, DictAction

# The repository this tool lies in: the code version its result file records.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# mmseg and mmext (and torch with them) are imported once the arguments are parsed (--help stays instant).


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='the config whose test split the predictions are of')
    parser.add_argument('prediction_dir', help='label map PNGs (tools/test.py --out)')
    parser.add_argument('--out', required=True, help='folder for confusion_matrix.png and .json')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = parser.parse_args(argv)
    if not osp.isdir(args.prediction_dir):
        parser.error(f'{args.prediction_dir} is not a folder (write it with tools/test.py CONFIG CKPT --out DIR)')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import mmext  # noqa: F401
    from mmext.evaluation.confusion import confusion_matrix, scores
    from mmext.utils.run_records import provenance

    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[dict(type='LoadAnnotations')]))
    classes = list(dataset.metainfo['classes'])
    num = len(classes)
    matrix = np.zeros((num, num), np.int64)
    missing = []
    for index in range(len(dataset)):
        info = dataset[index]
        name = osp.splitext(osp.basename(info['img_path']))[0] + '.png'
        prediction = cv2.imread(osp.join(args.prediction_dir, name), cv2.IMREAD_UNCHANGED)
        if prediction is None:
            missing.append(name)
            continue
        label = info['gt_seg_map']
        if prediction.shape != label.shape:
            print(
                f'error: {name}: prediction {prediction.shape} and label {label.shape} differ in size', file=sys.stderr
            )
            return 1
        matrix += confusion_matrix(label, prediction, num, dataset.ignore_index)
    if missing:
        print(
            f'warning: {len(missing)} test images have no prediction in {args.prediction_dir} (e.g. {missing[0]})',
            file=sys.stderr,
        )
    score = scores(matrix)
    recall, precision = score['recall'], score['precision']
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'confusion_matrix.json'), 'w') as f:
        json.dump(
            dict(
                classes=classes,
                matrix=matrix.tolist(),
                recall=dict(zip(classes, recall.round(4).tolist())),
                precision=dict(zip(classes, precision.round(4).tolist())),
                images=len(dataset) - len(missing),
                config=args.config,
                cfg_options=args.cfg_options,
                prediction_dir=args.prediction_dir,
                **provenance(argv, __file__, repo=REPO),
            ),  # machine (CPU, threads, versions), code, command
            f,
            indent=1,
        )
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    share = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    size = max(4.0, 0.45 * num + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(share, cmap='Blues', vmin=0, vmax=1)
    ax.set_xticks(range(num), classes, rotation=60, ha='right', fontsize=8)
    ax.set_yticks(range(num), classes, fontsize=8)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    if num <= 20:
        for i in range(num):
            for j in range(num):
                ax.text(
                    j,
                    i,
                    f'{100 * share[i, j]:.0f}',
                    ha='center',
                    va='center',
                    fontsize=7,
                    color='white' if share[i, j] > 0.5 else 'black',
                )
    fig.tight_layout()
    fig.savefig(osp.join(args.out, 'confusion_matrix.png'), dpi=120)
    print('class recall: ' + ', '.join(f'{c} {100 * r:.1f}' for c, r in zip(classes, recall)))
    print(f'Written {osp.join(args.out, "confusion_matrix.png")} and confusion_matrix.json')
    return 0


if __name__ == '__main__':
    sys.exit(main())
