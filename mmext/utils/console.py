# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A console that shows a newcomer what matters: what a run trains on what data, progress, results, warnings --
not the config dump.

:func:`describe_run` says in a few lines what a built Runner will train. mmengine logs the system environment,
the whole config, the hook order and every parameter's initialisation at INFO level to the console and the log
file alike: several hundred lines before the first iteration. :class:`QuietConsole` wraps ``sys.stdout`` while a
tool builds and runs the Runner and drops exactly those blocks from the console; the log file in the work dir
keeps everything.
"""

import io
import os.path as osp
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from mmengine.runner import Runner

# Multi-line log records that belong in the log file only.
FILE_ONLY_MARKERS = (
    'System environment:',
    'Config:\n',
    'Hooks will be executed in the following order',
    'Initialization information',
    'initialized by user-defined `init_weights`',
    'paramwise_options -- ',
)


class QuietConsole(io.TextIOBase):
    """A stand-in for ``sys.stdout`` that drops log records carrying :data:`FILE_ONLY_MARKERS`.

    A logging handler writes one record per ``write`` call, so records are filtered whole.
    """

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.dropped = 0

    def write(self, text: str) -> int:
        if any(marker in text for marker in FILE_ONLY_MARKERS):
            self.dropped += 1
            return len(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


def describe_run(runner: 'Runner') -> str:
    """What a run trains on what data, for the console before the first iteration."""
    import torch

    cfg = runner.cfg
    model = cfg.model
    parts = [model.get('type', '?')]
    for key in ('backbone', 'decode_head'):
        if isinstance(model.get(key), dict):
            arch = model[key].get('arch')
            parts.append(model[key]['type'] + (f'-{arch}' if isinstance(arch, str) else ''))
    heads = list((model.get('aux_task_heads') or {}).keys())
    lines = [
        f'Training {" / ".join(parts)}'
        + (f' + auxiliary heads {", ".join(heads)}' if heads else '')
        + f' ({cfg.filename})'
    ]
    for loader in ('train_dataloader', 'val_dataloader'):
        if cfg.get(loader):
            dataset = getattr(runner, loader).dataset
            root = getattr(dataset, 'data_root', None)
            lines.append(
                f'  {loader.split("_")[0]:<5} {type(dataset).__name__}: {len(dataset)} samples'
                + (f' from {root}' if root else '')
            )
    loop = cfg.get('train_cfg', {})
    batch = cfg.train_dataloader.get('batch_size')
    lines.append(
        f'  {loop.get("max_iters", loop.get("max_epochs", "?"))} iterations of batch {batch} x '
        f'{runner.world_size} process(es), {torch.get_num_threads()} CPU thread(s)'
        f'{", CUDA" if torch.cuda.is_available() else ", no GPU"}'
    )
    lines.append(
        f'  work dir {osp.abspath(runner.work_dir)}; full log (config, environment) in '
        f'{osp.join(osp.abspath(runner.log_dir), runner.timestamp + ".log")}'
    )
    return '\n'.join(lines)
