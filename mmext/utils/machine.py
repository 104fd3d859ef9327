"""What machine a measurement ran on, for the result files of the benchmark tools."""
import platform


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


def environment() -> dict:
    """The CPU model, torch's thread count and the installed versions of :data:`VERSIONED` (those present), for
    result files. Versions come from the package metadata: nothing is imported."""
    from importlib.metadata import PackageNotFoundError, version

    import torch
    versions = {}
    for name in VERSIONED:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            pass
    return dict(cpu=cpu_model(), threads=torch.get_num_threads(), **versions)
