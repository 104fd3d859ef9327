# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Write one JSON summary per run: training time, parameter counts and the latest evaluation metrics."""

import json
import os.path as osp
import time
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from mmext.utils.atomic_io import atomic_write

SUMMARY_FILE = 'run_summary.json'


def parameter_counts(model) -> Dict[str, int]:
    """Parameters of the inference path (backbone, decode head, neck) and of the auxiliary task heads."""
    aux = (
        sum(p.numel() for p in getattr(model, 'aux_task_heads', {}).parameters())
        if hasattr(model, 'aux_task_heads')
        else 0
    )
    mmseg_aux = (
        sum(p.numel() for p in model.auxiliary_head.parameters())
        if getattr(model, 'auxiliary_head', None) is not None
        else 0
    )
    total = sum(p.numel() for p in model.parameters())
    return dict(params_inference=total - aux - mmseg_aux, params_aux_heads=aux + mmseg_aux, params_total=total)


@HOOKS.register_module()
class RunSummaryHook(Hook):
    """Keeps ``<work_dir>/run_summary.json`` up to date.

    Holds ``train_time_s`` (wall time of the training loop, validation excluded), ``iterations``,
    ``params_*`` (see :func:`parameter_counts`), ``val_metrics`` / ``test_metrics`` (the latest) and the
    config file name -- what ``tools/analysis_tools/ablation_table.py`` reads.
    """

    priority = 'LOW'

    def __init__(self):
        self._train_start: Optional[float] = None
        self._val_time = 0.0
        self._val_start: Optional[float] = None

    def _update(self, runner, **fields) -> None:
        if not is_main_process():
            return
        path = osp.join(runner.work_dir, SUMMARY_FILE)
        summary = {}
        if osp.isfile(path):
            with open(path) as f:
                summary = json.load(f)
        summary.update(fields)
        atomic_write(path, json.dumps(summary, indent=2))

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._train_start = time.perf_counter()
        self._update(
            runner,
            config=osp.basename(runner.cfg.filename or ''),
            experiment=runner.experiment_name,
            seed=runner.seed,
            **parameter_counts(model),
        )

    def before_val_epoch(self, runner) -> None:
        self._val_start = time.perf_counter()

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if self._val_start is not None:
            self._val_time += time.perf_counter() - self._val_start
        self._update(runner, val_metrics=_plain(metrics), val_iteration=runner.iter)

    def after_train(self, runner) -> None:
        if self._train_start is not None:
            self._update(
                runner, train_time_s=time.perf_counter() - self._train_start - self._val_time, iterations=runner.iter
            )

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._update(runner, test_metrics=_plain(metrics))


def _plain(metrics: Optional[dict]) -> dict:
    return {k: float(v) for k, v in (metrics or {}).items() if isinstance(v, (int, float))}
