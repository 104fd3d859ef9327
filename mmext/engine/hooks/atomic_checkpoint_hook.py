"""mmengine's CheckpointHook, made safe against a process killed while it saves."""
import inspect
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.fileio import LocalBackend
from mmengine.runner import Runner
from mmseg.registry import HOOKS

from mmext.utils.atomic_io import AtomicLocalBackend, atomic_write

LAST_CHECKPOINT_FILE = 'last_checkpoint'


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
    """

    def __init__(self, *args, out_dir: Optional[str] = None, file_client_args: Optional[dict] = None,
                 backend_args: Optional[dict] = None, **kwargs):
        if backend_args is None and file_client_args is None and (out_dir is None or '://' not in out_dir):
            backend_args = dict(backend='local_atomic')
        super().__init__(*args, out_dir=out_dir, file_client_args=file_client_args, backend_args=backend_args,
                         **kwargs)
        # CheckpointHook hands unknown arguments to Runner.save_checkpoint at the first save; a misspelt one
        # (``intervall=``) would only fail then, after training has started.
        accepted = inspect.signature(Runner.save_checkpoint).parameters
        for name in self.args:
            if name not in accepted:
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument '{name}'")

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        if not isinstance(self.file_backend, LocalBackend):
            super()._save_checkpoint_with_step(runner, step, meta)  # remote storage: mmengine's behaviour
            return
        if not isinstance(self.file_backend, AtomicLocalBackend):
            runner.logger.warning('AtomicCheckpointHook: backend_args name a non-atomic local backend; '
                                  'checkpoint files are written in place')
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
            **self.args)
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, LAST_CHECKPOINT_FILE), self.last_ckpt)
        if outdated is not None and outdated != step:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # checkpoints saved by DeepSpeed are folders
                self.file_backend.rmtree(path)
