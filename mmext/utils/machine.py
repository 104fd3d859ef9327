# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""What machine and which code a measurement ran on, for the result files the tools write.

Imports only the standard library (torch when :func:`environment` is asked for torch's thread count), so a
tool may load this file on its own, without importing the ``mmext`` package (``tools/misc/quickstart_summary.py``).
"""

import os.path as osp
import platform
import subprocess
import sys
from typing import Optional, Sequence


def cpu_model(cpuinfo: str = '/proc/cpuinfo') -> str:
    """The CPU's model name (e.g. 'AMD EPYC 7B13'), read from ``cpuinfo`` on Linux.

    ``platform.processor()`` is empty on most Linux systems and ``platform.machine()`` says only 'x86_64',
    which cannot tell an Intel machine from an AMD one -- and timings differ between them. Falls back to
    those where ``cpuinfo`` is absent (macOS, Windows) or has no model name (some ARM kernels).
    """
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name' and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# Distributions whose versions change what a timing or a model's output means.
VERSIONED = ('torch', 'onnxruntime', 'mediapipe', 'mmengine', 'mmsegmentation', 'timm')


def environment(threads: Optional[int] = None) -> dict:
    """The CPU model, torch's thread count and the installed versions of :data:`VERSIONED` (those present), for
    result files. Versions come from the package metadata: nothing is imported. ``threads``: the thread count
    to record (default: ``torch.get_num_threads()``, which imports torch)."""
    from importlib.metadata import PackageNotFoundError, version

    if threads is None:
        import torch

        threads = torch.get_num_threads()
    versions = {}
    for name in VERSIONED:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            pass
    return dict(cpu=cpu_model(), threads=threads, **versions)


def code_version(repo: str) -> dict:
    """The git commit of ``repo`` and whether tracked files differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(['git', '-C', repo, *args], capture_output=True, text=True).stdout.strip()

    commit = git('rev-parse', 'HEAD')
    return dict(commit=commit or None, dirty=bool(git('status', '--porcelain', '--untracked-files=no')))


def provenance(
    argv: Optional[Sequence[str]] = None, script: Optional[str] = None, *, repo: str, threads: Optional[int] = None
) -> dict:
    """What a result file needs to say where it came from: ``machine`` (:func:`environment`: CPU model, threads,
    versions), ``code`` (:func:`code_version` of ``repo``, the working tree of the calling tool: the tool passes
    the folder it lies in, the package does not know it) and ``command`` (the command line: ``sys.argv``, or
    ``script`` followed by ``argv`` when a tool's ``main(argv)`` was called with a list; the program's path
    relative to ``repo`` when it lies inside it)."""
    program = sys.argv[0] if argv is None or not script else script
    inside = osp.abspath(program).startswith(osp.abspath(repo) + osp.sep)
    # The program relative to the repository when it is in it, so that a run reads the same from any folder.
    command = [
        osp.relpath(osp.abspath(program), repo) if inside else program,
        *(sys.argv[1:] if argv is None else map(str, argv)),
    ]
    return dict(machine=environment(threads), code=code_version(repo), command=command)
