# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Whether this PyTorch can use the machine's NVIDIA GPUs: ``nvidia-smi`` probing, the driver / CUDA runtime
match and the GPU architectures of the torch build, checked before a run builds anything."""

import os
from typing import List, Optional, Tuple

import torch

from .config_errors import ConfigCheckError

__all__ = ['TORCH_BUILDS', 'check_cuda_usable', 'gpu_architecture_supported', 'visible_nvidia_gpus']


def visible_nvidia_gpus() -> Optional[str]:
    """NVIDIA GPUs this process could see -- ``nvidia-smi``'s names and driver version, or the device files --
    or None. ``CUDA_VISIBLE_DEVICES`` set to nothing (or -1) hides them on purpose."""
    if os.environ.get('CUDA_VISIBLE_DEVICES') in ('', '-1'):
        return None
    import glob
    import shutil
    import subprocess

    if shutil.which('nvidia-smi'):
        try:
            found = subprocess.run(
                ['nvidia-smi', '--query-gpu=name,driver_version', '--format=csv,noheader'],
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            found = ''
        if found:
            return '; '.join(
                f'{line.split(",")[0].strip()} (driver {line.split(",")[-1].strip()})' for line in found.splitlines()
            )
    devices = glob.glob('/dev/nvidia[0-9]*')
    return f'{len(devices)} device file(s) {", ".join(sorted(devices))}' if devices else None


# torch 2.13.0's builds (the PyTorch index; the plain PyPI wheel is the cu130 one). docs/cluster.md says which
# NVIDIA driver each needs and where these facts come from.
TORCH_BUILDS = ('cpu', 'cu126', 'cu130', 'cu132')
INSTALL_ADVICE = (
    'TORCH_BACKEND=cu126 bash tools/install.sh for NVIDIA drivers >= 525 (CUDA 12), the default '
    '(cu130) for drivers >= 580; torch 2.13.0 has cpu, cu126, cu130 and cu132 builds only '
    '(docs/cluster.md)'
)


def _driver_major(gpus: str) -> Optional[int]:
    """The NVIDIA driver's major version in :func:`visible_nvidia_gpus`' text, if it names one."""
    import re

    found = re.search(r'driver (\d+)\.', gpus)
    return int(found.group(1)) if found else None


def check_cuda_usable(allow_cpu: bool) -> None:
    """Stop when NVIDIA GPUs are visible but this PyTorch cannot use them, unless the CPU is asked for.

    Typically the driver is older than the CUDA runtime of the installed torch build: training would fall
    back to the CPU, many times slower, with one log line. ``allow_cpu`` (``--cpu``) trains on the CPU anyway.
    Where torch does see the GPU but was built without kernels for its architecture (a V100, compute
    capability 7.0, with the default build, whose kernels start at sm_75), the first CUDA kernel would fail
    with "no kernel image is available"; this says so before anything is built.
    """
    if torch.cuda.is_available():
        _check_gpu_architecture()
        return
    if allow_cpu:
        return
    gpus = visible_nvidia_gpus()
    if gpus is None:
        return
    runtime = torch.version.cuda
    driver = _driver_major(gpus)
    if runtime and driver is not None and driver < 525:
        cause = (
            f'The driver ({driver}) is older than every CUDA runtime of torch 2.13.0 (CUDA 12.6 needs driver '
            f'>= 525, CUDA 13.x >= 580): update the driver, or pass --cpu. '
        )
    elif runtime:
        cause = (
            'Most often the NVIDIA driver is too old for that CUDA runtime (CUDA 13.x needs driver >= 580, '
            'CUDA 12.x >= 525): install a torch build that matches the driver -- ' + INSTALL_ADVICE + '. '
        )
    else:
        cause = 'Install a CUDA build of torch -- ' + INSTALL_ADVICE + '. '
    raise ConfigCheckError(
        f'NVIDIA GPU(s) are visible -- {gpus} -- but this PyTorch ({torch.__version__}'
        + (f', built for CUDA {runtime}' if runtime else ', a CPU-only build')
        + ') cannot use them. '
        + cause
        + 'Or pass --cpu to train on the CPU on purpose.'
    )


def gpu_architecture_supported(capability: Tuple[int, int], arch_list: List[str]) -> bool:
    """Whether a torch build compiled for ``arch_list`` (``torch.cuda.get_arch_list()``: 'sm_80', 'compute_90',
    ...) runs on a GPU of compute ``capability``: a cubin sm_XY runs on X.Z for Z >= Y; PTX compute_XY is
    compiled by the driver for any capability >= X.Y."""
    major, minor = capability
    for arch in arch_list:
        kind, _, digits = arch.partition('_')
        if not digits.isdigit() or len(digits) < 2:
            continue
        arch_major, arch_minor = int(digits[:-1]), int(digits[-1])
        if kind == 'sm' and arch_major == major and arch_minor <= minor:
            return True
        if kind == 'compute' and (arch_major, arch_minor) <= (major, minor):
            return True
    return False


def _check_gpu_architecture() -> None:
    arch_list = torch.cuda.get_arch_list()
    if not arch_list:
        return
    for index in range(torch.cuda.device_count()):
        capability = torch.cuda.get_device_capability(index)
        if not gpu_architecture_supported(capability, arch_list):
            name = torch.cuda.get_device_name(index)
            raise ConfigCheckError(
                f'GPU {index} ({name}, compute capability {capability[0]}.{capability[1]}) is not among the '
                f'architectures this PyTorch ({torch.__version__}) was built for: {" ".join(arch_list)}. CUDA '
                f'kernels would fail with "no kernel image is available". Install a torch build that covers it '
                f'(docs/cluster.md lists what is known about the builds), or pass --cpu.'
            )
