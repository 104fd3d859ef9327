# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""What a finished training run leaves behind, gathered into one record: metrics, curves, cost, provenance.

Used by ``tools/analysis_tools/run_result.py`` (which writes the record as JSON) and read back by
``tools/analysis_tools/ablation_table.py``.
"""

import glob
import json
import os.path as osp
from typing import Dict, List, Optional

from mmext.engine.hooks.run_summary_hook import SUMMARY_FILE

# The code commit and the provenance of a result file live with the machine description (a module that imports
# nothing heavy); re-exported here, where the run records use them.
from mmext.utils.machine import code_version, provenance  # noqa: F401


def read_scalars(work_dir: str) -> List[dict]:
    """Every record of mmengine's ``<work_dir>/<timestamp>/vis_data/scalars.json`` (all timestamps: a
    resumed run has several), later records replacing earlier ones of the same kind at the same step."""
    records: Dict[tuple, dict] = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                record = json.loads(line)
                kind = 'val' if any(k.endswith('mIoU') for k in record) else 'train'
                records[(kind, record.get('step', record.get('iter')))] = record
    return [records[key] for key in sorted(records, key=lambda k: (k[0], k[1] or 0))]


def learning_curves(work_dir: str, metric: str = 'mIoU') -> Dict[str, List[list]]:
    """``val``: [[iteration, metric], ...] of every validation; ``loss``: [[iteration, loss], ...] as logged."""
    val, loss = [], []
    for record in read_scalars(work_dir):
        if metric in record:
            val.append([int(record['step']), float(record[metric])])
        elif 'loss' in record and 'iter' in record:
            loss.append([int(record['iter']), float(record['loss'])])
    return dict(val=sorted(val), loss=sorted(loss))


def run_summary(work_dir: str) -> dict:
    path = osp.join(work_dir, SUMMARY_FILE)
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def last_checkpoint(work_dir: str) -> Optional[str]:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        checkpoint = f.read().strip()
    return checkpoint if osp.isfile(checkpoint) else None
