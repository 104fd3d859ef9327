# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""mmengine's CheckpointHook, made safe against a process killed while it saves."""

import hashlib
import inspect
import os.path as osp
import textwrap
from typing import Optional

import mmengine
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner
from mmseg.registry import HOOKS

from mmext.utils.atomic_io import AtomicLocalBackend, atomic_write

LAST_CHECKPOINT_FILE = 'last_checkpoint'

# `_save_checkpoint_with_step` below re-implements mmengine's private CheckpointHook method of the same name
# (and relies on `_save_checkpoint`, which calls it) with the order of its steps changed. It may only do so
# where mmengine's methods are the ones it was written against: those of mmengine 0.10.7, fingerprinted here
# (SHA-256 of their dedented source). Another mmengine gets mmengine's own saving, with a warning.
MIRRORED_MMENGINE = '0.10.7'
MIRRORED_SOURCE_SHA256 = {
    '_save_checkpoint_with_step': '9b971b6cd3cc507da3041d5432ba5766d048eeebcf8b365df4417729c92d4763',
    '_save_checkpoint': '087650c11b029688ed990d56d3d8249c11710f9c85defe6be50f4f6e74271e41',
}


def mirrors_installed_mmengine() -> bool:
    """Whether the installed mmengine's CheckpointHook saving methods are those AtomicCheckpointHook mirrors."""
    for name, expected in MIRRORED_SOURCE_SHA256.items():
        try:
            source = textwrap.dedent(inspect.getsource(getattr(CheckpointHook, name)))
        except (AttributeError, OSError, TypeError):
            return False
        if hashlib.sha256(source.encode()).hexdigest() != expected:
            return False
    return True


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) whose checkpoints survive a kill at any moment.

    mmengine 0.10.7 writes ``iter_N.pth`` and ``last_checkpoint`` in place, and deletes the oldest kept
    checkpoint *before* it writes the new one. A kill while saving can therefore leave a truncated
    ``iter_N.pth``, an empty ``last_checkpoint``, or -- with ``max_keep_ckpts=1`` -- no complete
    checkpoint at all. Here:

    * checkpoints (also ``best_*.pth``) are written through :class:`~mmext.utils.atomic_io.AtomicLocalBackend`
      (temporary file, fsync, rename) when they go to a local folder;
    * ``last_checkpoint`` is replaced atomically, and only after the new checkpoint is complete;
    * outdated checkpoints are deleted only after that.

    A run killed while saving iteration N thus resumes from the previous checkpoint.

    It also saves the iteration after which training stops early -- ``runner.train_loop.stop_training`` set
    before its ``after_train_iter``, as :class:`PreemptionCheckpointHook` does on SIGTERM -- when the schedule
    would not save it anyway; :meth:`saves_after_train_iter` says whether it saves after the current iteration.

    The reordered saving re-implements a private method of mmengine's CheckpointHook; it is used only with
    the mmengine whose method it mirrors (checked by source fingerprint, :func:`mirrors_installed_mmengine`).
    With any other mmengine the hook keeps mmengine's saving (and the atomic file writes of the backend) and
    warns once.
    """

    def __init__(
        self,
        *args,
        out_dir: Optional[str] = None,
        file_client_args: Optional[dict] = None,
        backend_args: Optional[dict] = None,
        **kwargs,
    ):
        if backend_args is None and file_client_args is None and (out_dir is None or '://' not in out_dir):
            backend_args = dict(backend='local_atomic')
        super().__init__(*args, out_dir=out_dir, file_client_args=file_client_args, backend_args=backend_args, **kwargs)
        # CheckpointHook hands unknown arguments to Runner.save_checkpoint at the first save; a misspelt one
        # (``intervall=``) would only fail then, after training has started.
        accepted = inspect.signature(Runner.save_checkpoint).parameters
        for name in self.args:
            if name not in accepted:
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument '{name}'")
        self.reorders_saving = mirrors_installed_mmengine()

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not self.reorders_saving:
            runner.logger.warning(
                f'AtomicCheckpointHook: its saving order is written against mmengine {MIRRORED_MMENGINE}\'s '
                f'CheckpointHook, and mmengine {mmengine.__version__} has another one: checkpoints are saved by '
                f"mmengine's method (files still written atomically, but the oldest kept checkpoint is deleted "
                f'before the new one is written, last_checkpoint is written in place, and an iteration after which '
                f'training stops early is saved only if the schedule saves it)'
            )

    def saves_after_train_iter(self, runner) -> bool:
        """Whether a checkpoint is saved after the current training iteration: mmengine's schedule (every
        ``interval`` iterations from ``save_begin``; the last iteration with ``save_last``) or a stop requested
        through ``runner.train_loop.stop_training``. Epoch-based hooks save at epoch ends only."""
        if self.by_epoch:
            return False
        stopping = self.reorders_saving and getattr(runner.train_loop, 'stop_training', False)
        return bool(self._scheduled_after_train_iter(runner) or stopping)

    def _scheduled_after_train_iter(self, runner) -> bool:
        # mmengine 0.10's CheckpointHook.after_train_iter rule
        return bool(
            self.every_n_train_iters(runner, self.interval, self.save_begin)
            or (self.save_last and self.is_last_train_iter(runner))
        )

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        if self.saves_after_train_iter(runner) and not self._scheduled_after_train_iter(runner):
            runner.logger.info(f'Saving checkpoint at {runner.iter + 1} iterations (training stops)')
            self._save_checkpoint(runner)

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        if not self.reorders_saving or not isinstance(self.file_backend, LocalBackend):
            # another mmengine, or remote storage: mmengine's behaviour
            super()._save_checkpoint_with_step(runner, step, meta)
            return
        if not isinstance(self.file_backend, AtomicLocalBackend):
            runner.logger.warning(
                'AtomicCheckpointHook: backend_args name a non-atomic local backend; '
                'checkpoint files are written in place'
            )
        # Same bookkeeping as CheckpointHook, but the outdated checkpoint is only deleted at the end.
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, LAST_CHECKPOINT_FILE), self.last_ckpt)
        if outdated is not None and outdated != step:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # checkpoints saved by DeepSpeed are folders
                self.file_backend.rmtree(path)
