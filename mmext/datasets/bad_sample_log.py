# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The record of the bad samples a dataset skipped, shared by every process that holds a copy of the dataset.

With ``num_workers > 0`` each DataLoader worker holds its own copy of the dataset (and, without
``persistent_workers``, a fresh copy every epoch), and distributed ranks hold their own datasets; an in-memory
counter would see only one of them. So the record lives on disk: one small JSON file per bad sample in a
folder. The file is created with ``os.link``, which fails when the name exists, so exactly one process --
the first to meet the bad file -- writes it and logs the warning. The number of files is the number of
distinct bad samples met so far by every process of the run.
"""

import atexit
import hashlib
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import List, Optional

from mmengine.logging import print_log

from .errors import DatasetError

ENTRY_SUFFIX = '.json'
PHASES = ('train', 'eval')  # eval: a dataset in test mode (validation or test)


class BadSampleLog:
    """Distinct bad samples (file + problem) per phase, one JSON file ``<phase>-<hash>.json`` each under
    ``directory`` (the phase is in the name so that counting needs no reading).

    Args:
        directory: where the entries go; None: a new temporary folder, removed when the process that made
            it exits (``BadSampleHook`` moves the entries into the run's log folder before training).
        quiet: do not log a warning for each new entry (``tools/misc/check_dataset.py`` prints its own list).
    """

    def __init__(self, directory: Optional[str] = None, quiet: bool = False):
        if directory is None:
            directory = tempfile.mkdtemp(prefix='mmext_bad_samples_')
            atexit.register(_remove_if_owner, directory, os.getpid())
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.quiet = quiet

    @staticmethod
    def entry_name(error: DatasetError, phase: str) -> str:
        """File name of a problem: the same file with the same problem in the same phase is one entry, however
        often it is met."""
        if phase not in PHASES:
            raise ValueError(f'phase must be one of {PHASES}, got {phase!r}')
        digest = hashlib.sha1(str(error).encode('utf-8', 'surrogateescape')).hexdigest()[:20]
        return f'{phase}-{digest}{ENTRY_SUFFIX}'

    def record(self, error: DatasetError, phase: str, dataset: str) -> bool:
        """Add ``error`` unless it is there; log it the first time. Returns whether it was new."""
        entry = osp.join(self.directory, self.entry_name(error, phase))
        if osp.exists(entry):
            return False
        content = json.dumps(dict(path=error.path, problem=error.problem, phase=phase, dataset=dataset))
        temporary = f'{entry}.{os.getpid()}.tmp'
        with open(temporary, 'w') as f:
            f.write(content)
        try:
            os.link(temporary, entry)  # atomic; fails when another process recorded it first
            new = True
        except FileExistsError:
            new = False
        finally:
            os.remove(temporary)
        if new and not self.quiet:
            print_log(
                f'Skipped bad sample ({phase}, {dataset}): {error}  [on_bad_sample=skip; listed in {self.directory}]',
                logger='current',
                level=30,
            )
        return new

    def entries(self) -> List[dict]:
        """Every recorded problem (``path``, ``problem``, ``phase``, ``dataset``), sorted by path."""
        found = []
        for name in os.listdir(self.directory):
            if name.endswith(ENTRY_SUFFIX):
                try:
                    with open(osp.join(self.directory, name)) as f:
                        found.append(json.load(f))
                except (OSError, ValueError):  # removed or being replaced right now
                    continue
        return sorted(found, key=lambda e: (e['path'], e['problem']))

    def count(self, phase: Optional[str] = None) -> int:
        """Number of distinct bad samples recorded so far by every process (of one phase, or of all)."""
        prefix = f'{phase}-' if phase else ''
        return sum(1 for name in os.listdir(self.directory) if name.endswith(ENTRY_SUFFIX) and name.startswith(prefix))

    def move_to(self, directory: str) -> None:
        """Continue in ``directory``, taking the entries recorded so far along (e.g. from building the dataset)."""
        if osp.abspath(directory) == osp.abspath(self.directory):
            return
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(self.directory):
            target = osp.join(directory, name)
            if name.endswith(ENTRY_SUFFIX) and not osp.exists(target):
                shutil.copyfile(osp.join(self.directory, name), target)
        self.directory = directory


def _remove_if_owner(directory: str, owner_pid: int) -> None:
    # Forked DataLoader workers inherit the atexit list; only the process that made the folder removes it.
    if os.getpid() == owner_pid:
        shutil.rmtree(directory, ignore_errors=True)
