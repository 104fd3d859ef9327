# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Report the bad samples that datasets with ``on_bad_sample='skip'`` left out: per epoch, in the metrics, at the end.

The counts come from the datasets' :class:`~mmext.datasets.bad_sample_log.BadSampleLog` folder, so they include
what every DataLoader worker and every distributed rank skipped. :func:`mmext.utils.bad_sample_config.
apply_bad_sample_policy` (called by ``mmext.utils.runner_builder.build_runner``, so by tools/train.py and
tools/test.py) spreads a top-level ``on_bad_sample`` config key to the datasets and adds this hook whenever a
dataset skips.
"""

import json
import os.path as osp
from typing import Any, Dict, Iterator, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmseg.registry import HOOKS

from mmext.datasets.bad_sample_log import BadSampleLog
from mmext.datasets.bad_sample_policy import BadSamplePolicyMixin

REPORT_FILE = 'bad_samples.json'
LOG_FOLDER = 'bad_samples'
METRIC_KEY = 'bad_samples'


def policy_datasets(dataset: Any) -> Iterator[BadSamplePolicyMixin]:
    """The mmext datasets inside ``dataset``, looking through wrappers (ConcatDataset, RepeatDataset, ...)."""
    if isinstance(dataset, BadSamplePolicyMixin):
        yield dataset
    for child in getattr(dataset, 'datasets', None) or []:
        yield from policy_datasets(child)
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and inner is not dataset:
        yield from policy_datasets(inner)


@HOOKS.register_module()
class BadSampleHook(Hook):
    """Counts and reports skipped bad samples.

    - ``before_run``: the skipping datasets record into ``<log_dir>/bad_samples/`` (one JSON file per bad
      sample, taking along what they recorded while being built); those of the val and test loops are marked
      as evaluation datasets (a bad sample is replaced by the next readable one, in order);
    - every training iteration: ``bad_samples`` (training samples skipped so far) among the logged scalars;
    - after each train / val / test epoch: a log line; val and test metrics get ``bad_samples`` (evaluation
      samples replaced so far), which the LoggerHook, the visualiser's scalars and ``RunSummaryHook`` pick up;
    - ``after_run``: ``<log_dir>/bad_samples.json`` with the counts and every file and problem.

    It does nothing when no dataset of the run has ``on_bad_sample='skip'``.
    """

    priority = 'ABOVE_NORMAL'  # before LoggerHook, RunSummaryHook and CheckpointHook read the metrics

    def __init__(self):
        self._log: Optional[BadSampleLog] = None
        self._reported = 0

    def before_run(self, runner) -> None:
        datasets = []
        for name in ('_train_loop', '_val_loop', '_test_loop'):
            loop = getattr(runner, name, None)
            if isinstance(loop, BaseLoop):
                for dataset in policy_datasets(loop.dataloader.dataset):
                    if dataset.bad_sample_log is not None:
                        dataset.bad_sample_phase = 'train' if name == '_train_loop' else 'eval'
                        datasets.append(dataset)
        if not datasets:
            return
        directory = osp.join(runner.log_dir, LOG_FOLDER)
        for dataset in datasets:  # before the DataLoader workers start, so that they inherit the folder
            dataset.bad_sample_log.move_to(directory)
        self._log = BadSampleLog(directory, quiet=True)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self._log is not None:
            runner.message_hub.update_scalar(f'train/{METRIC_KEY}', self._log.count('train'))

    def after_train_epoch(self, runner) -> None:
        self._report(runner, 'train', f'epoch {runner.epoch}, iteration {runner.iter}')

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._add_metric(runner, 'val', metrics)

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._add_metric(runner, 'test', metrics)

    def after_run(self, runner) -> None:
        if self._log is None or not is_main_process():
            return
        entries = self._log.entries()
        report = dict(
            train=self._log.count('train'),
            eval=self._log.count('eval'),
            total=len(entries),
            folder=self._log.directory,
            files=entries,
        )
        path = osp.join(runner.log_dir, REPORT_FILE)
        with open(path, 'w') as f:
            json.dump(report, f, indent=2)
        runner.logger.info(
            f'Bad samples skipped in this run: {report["train"]} in training, {report["eval"]} in '
            f'evaluation; list: {path}'
        )

    def _add_metric(self, runner, mode: str, metrics: Optional[Dict[str, float]]) -> None:
        if self._log is None:
            return
        count = self._log.count('eval')
        if metrics is not None:
            metrics[METRIC_KEY] = count
        runner.message_hub.update_scalar(f'{mode}/{METRIC_KEY}', count)
        if count and is_main_process():
            runner.logger.warning(
                f'{mode}: {count} bad evaluation sample(s) so far were replaced by the next '
                f'readable one (on_bad_sample=skip), so the metrics count those twice; list: '
                f'{self._log.directory}'
            )

    def _report(self, runner, mode: str, when: str) -> None:
        if self._log is None or not is_main_process():
            return
        count = self._log.count(mode)
        runner.logger.info(
            f'Bad samples skipped in {mode} so far: {count} ({count - self._reported} new by {when}; '
            f'on_bad_sample=skip; list: {self._log.directory})'
        )
        self._reported = count
