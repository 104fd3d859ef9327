# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Clusters and the toolbox: the install command's torch build and mmcv ops, declared dependencies, GPUs that
torch cannot use, --auto-scale-lr, Slurm argument pass-through, a checkpoint on SIGTERM, TensorBoard, the
offline analysis tools and ONNX Runtime providers. What this CPU machine cannot have (a GPU, srun, a driver)
is simulated with small stand-in programs on PATH."""

import importlib.metadata
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO, run_tool
from test_tools import small_config, train

import mmext  # noqa: F401
from mmext.utils import distributed, gpu_check
from mmext.utils.config_errors import ConfigCheckError


def stand_in(folder, name: str, script: str) -> None:
    """An executable ``name`` in ``folder`` running the bash ``script``."""
    path = folder / name
    path.write_text('#!/usr/bin/env bash\n' + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def install_dry_run(*args, **env):
    return subprocess.run(
        ['bash', 'tools/install.sh', *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, DRY_RUN='1', **env),
    )


CUDA13_PINS = re.compile(r'^(cuda-toolkit|cuda-bindings|nvidia-[a-z0-9-]+|triton)==', re.M)


def test_install_passes_the_chosen_torch_build_to_uv():
    default = install_dry_run()
    assert default.returncode == 0, default.stderr
    assert '--torch-backend' not in default.stdout and '-r requirements.lock' in default.stdout
    assert CUDA13_PINS.search((REPO / 'requirements.lock').read_text())  # the default lock is the CUDA 13.0 build's
    cu130 = install_dry_run(TORCH_BACKEND='cu130')  # the registry's wheel is that build
    assert cu130.returncode == 0 and '--torch-backend' not in cu130.stdout and '-r requirements.lock' in cu130.stdout
    for build in ('cu126', 'cu132', 'cpu'):
        chosen = install_dry_run(TORCH_BACKEND=build)
        assert chosen.returncode == 0, chosen.stderr
        # (this machine's venv holds the cu130 build, which the command replaces)
        command = re.search(
            rf'\+ .*uv pip install .*--torch-backend {build} --reinstall-package torch '
            r'--reinstall-package torchvision -r (\S+) torch==2\.13\.0 torchvision==0\.28\.0$',
            chosen.stdout,
            re.M,
        )
        assert command, chosen.stdout
        lock = open(command.group(1)).read()  # the lock without the CUDA 13 runtime, torch and torchvision
        os.remove(command.group(1))
        assert not CUDA13_PINS.search(lock) and not re.search(r'^torch(vision)?==', lock, re.M)
        assert 'mmengine==0.10.7' in lock and 'timm==' in lock


@pytest.mark.parametrize('build', ['cu121', 'cu118', 'cu124', 'auto'])
def test_install_refuses_torch_builds_that_do_not_exist(build):
    refused = install_dry_run(TORCH_BACKEND=build)
    assert refused.returncode == 2 and '+ ' not in refused.stdout
    assert 'cpu, cu126, cu130 and cu132 builds only' in refused.stderr and 'docs/cluster.md' in refused.stderr


def test_install_help_prints_and_installs_nothing(tmp_path):
    venv = tmp_path / 'venv'
    for args in (['--help'], ['-h']):
        result = subprocess.run(
            ['bash', 'tools/install.sh', *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, VENV=str(venv), PYTHON=str(tmp_path / 'no_python')),
        )
        assert result.returncode == 0, result.stderr
        assert 'TORCH_BACKEND' in result.stdout and 'cu126' in result.stdout and 'DRY_RUN' in result.stdout
        assert '==>' not in result.stdout and not venv.exists()
    wrong = subprocess.run(
        ['bash', 'tools/install.sh', '--torch-backend', 'cu126'],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, VENV=str(venv)),
    )
    assert wrong.returncode == 2 and 'environment variables' in wrong.stderr and not venv.exists()


def fake_venv(tmp_path, torch_build: str):
    """A venv whose python is this one, but whose torch says it is the ``torch_build`` build."""
    site = tmp_path / 'site' / 'torch'
    site.mkdir(parents=True)
    (site / '__init__.py').write_text('')
    (site / 'version.py').write_text(f"__version__ = '2.13.0+{torch_build}'\n")
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    stand_in(venv / 'bin', 'python', f'PYTHONPATH={tmp_path / "site"} exec {REPO / ".venv/bin/python"} "$@"\n')
    (venv / 'bin' / 'uv').symlink_to(REPO / '.venv/bin/uv')
    return venv


def test_install_replaces_a_torch_of_another_build(tmp_path):
    venv = fake_venv(tmp_path, 'cu126')
    back_to_default = install_dry_run(VENV=str(venv))
    assert back_to_default.returncode == 0, back_to_default.stderr
    assert 'replacing torch 2.13.0+cu126 with the cu130 build' in back_to_default.stdout
    assert re.search(
        r'\+ .*uv pip install .*--reinstall-package torch --reinstall-package torchvision '
        r'-r requirements\.lock',
        back_to_default.stdout,
    )
    # the CUDA packages of the replaced build go (this stand-in venv lists those of this machine's cu130 torch)
    assert re.search(r'\+ .*uv pip uninstall .*nvidia-cublas', back_to_default.stdout)
    same = install_dry_run(VENV=str(venv), TORCH_BACKEND='cu126')
    assert same.returncode == 0 and 'replacing' not in same.stdout and '--reinstall-package' not in same.stdout


def test_install_says_which_mmcv_ops_it_builds(tmp_path):
    stand_in(tmp_path, 'nvcc', 'echo "Cuda compilation tools, release 13.0, V13.0.88"\n')
    login_node = install_dry_run(MMCV_WITH_OPS='1')
    assert 'CPU-only ops: no usable GPU here' in login_node.stdout and 'FORCE_CUDA=1' in login_node.stdout
    assert 'Mask R-CNN' in login_node.stdout  # CPU-only ops replace mmext.compat's GPU-capable stand-ins
    forced = install_dry_run(MMCV_WITH_OPS='1', FORCE_CUDA='1', PATH=f'{tmp_path}:{os.environ["PATH"]}')
    assert forced.returncode == 0, forced.stderr
    assert 'CUDA and CPU ops (FORCE_CUDA=1' in forced.stdout
    # without a GPU torch's extension builder needs the architectures: those of the installed torch build
    arch = re.escape('7.5;8.0;8.6;9.0;10.0;12.0+PTX') if torch.version.cuda == '13.0' else r'[0-9.;]+\+PTX'
    assert re.search(rf'\+ env MMCV_WITH_OPS=1 FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST={arch} .*mmcv @ ', forced.stdout)
    chosen = install_dry_run(
        MMCV_WITH_OPS='1', FORCE_CUDA='1', TORCH_CUDA_ARCH_LIST='8.0;9.0', PATH=f'{tmp_path}:{os.environ["PATH"]}'
    )
    assert '+ env MMCV_WITH_OPS=1 FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST=8.0;9.0 ' in chosen.stdout


def test_install_checks_nvcc_before_the_long_build(tmp_path):
    stand_in(tmp_path, 'nvcc', 'echo "Cuda compilation tools, release 12.4, V12.4.131"\n')
    on_path = f'{tmp_path}:{os.environ["PATH"]}'
    wrong_major = install_dry_run(MMCV_WITH_OPS='1', FORCE_CUDA='1', PATH=on_path)
    assert wrong_major.returncode == 1 and '+ ' not in wrong_major.stdout  # before installing anything
    assert 'CUDA 12.4' in wrong_major.stderr and 'CUDA 13.x' in wrong_major.stderr
    assert 'TORCH_BACKEND=cu126' in wrong_major.stderr
    matching = install_dry_run(MMCV_WITH_OPS='1', FORCE_CUDA='1', PATH=on_path, TORCH_BACKEND='cu126')
    assert matching.returncode == 0 and 'nvcc: ' in matching.stdout, matching.stderr
    missing = install_dry_run(MMCV_WITH_OPS='1', FORCE_CUDA='1', CUDA_HOME=str(tmp_path / 'no_cuda'))
    assert missing.returncode == 1 and 'nvcc' in missing.stderr and 'not found' in missing.stderr
    cpu_torch = install_dry_run(MMCV_WITH_OPS='1', FORCE_CUDA='1', TORCH_BACKEND='cpu', PATH=on_path)
    assert cpu_torch.returncode == 1 and 'needs a CUDA build of torch' in cpu_torch.stderr


def test_the_install_advice_names_only_torch_builds_that_exist():
    """torch 2.13.0: cpu, cu126, cu130, cu132. Every TORCH_BACKEND / --torch-backend the docs and tools suggest."""
    files = ['README.md', 'docs/cluster.md', 'tools/install.sh', 'mmext/utils/gpu_check.py', 'tools/misc/gpu_smoke.py']
    for name in files:
        text = (REPO / name).read_text()
        for build in re.findall(r'(?:TORCH_BACKEND=|--torch-backend )(\w+)', text):
            assert build in ('cpu', 'cu126', 'cu130', 'cu132'), (name, build)
    assert '](docs/cluster.md)' in (REPO / 'README.md').read_text()


def test_declared_dependencies_are_installed_at_accepted_versions():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / 'pyproject.toml').read_text())['project']
    extras = project['optional-dependencies']
    assert set(extras) >= {'dev', 'demo', 'deploy', 'pose'}
    runtime_names = {Requirement(r).name for r in project['dependencies']}
    assert not runtime_names & {'pytest', 'ruff', 'selenium'}  # tools of the developers are extras
    for requirement in map(Requirement, project['dependencies'] + [r for e in extras.values() for r in e]):
        version = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


def test_visible_gpus_that_torch_cannot_use_stop_the_run_with_the_cause(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.version, 'cuda', '13.0')
    monkeypatch.setattr(gpu_check, 'visible_nvidia_gpus', lambda: 'NVIDIA A100-SXM4-80GB (driver 535.104.05)')
    with pytest.raises(ConfigCheckError) as error:
        gpu_check.check_cuda_usable(allow_cpu=False)
    message = str(error.value)
    assert 'NVIDIA A100-SXM4-80GB (driver 535.104.05)' in message and 'cannot use them' in message
    assert 'TORCH_BACKEND=cu126' in message and '--cpu' in message
    assert not re.search(r'cu11[0-9]|cu12[0-5]', message)  # only builds torch 2.13.0 has
    monkeypatch.setattr(gpu_check, 'visible_nvidia_gpus', lambda: 'Tesla V100-SXM2-32GB (driver 470.57.02)')
    with pytest.raises(ConfigCheckError, match='older than every CUDA runtime of torch 2.13.0'):
        gpu_check.check_cuda_usable(allow_cpu=False)
    gpu_check.check_cuda_usable(allow_cpu=True)  # asked for the CPU: no error
    monkeypatch.setattr(gpu_check, 'visible_nvidia_gpus', lambda: None)
    gpu_check.check_cuda_usable(allow_cpu=False)  # a CPU-only machine works as before


def test_train_stops_on_a_node_with_an_unusable_gpu(tmp_path, synthetic_dresscode):
    if torch.cuda.is_available():
        pytest.skip('this machine has a usable GPU')
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    stand_in(bin_dir, 'nvidia-smi', 'echo "Tesla V100-SXM2-32GB, 470.57.02"\n')
    config = small_config(tmp_path, synthetic_dresscode)
    env = dict(PATH=f'{bin_dir}:{os.environ["PATH"]}', CUDA_VISIBLE_DEVICES='0')
    result = run_tool(['tools/train.py', str(config), '--work-dir', str(tmp_path / 'w')], env=env, check=False)
    assert result.returncode == 2
    assert 'Tesla V100-SXM2-32GB (driver 470.57.02)' in result.stderr and '--cpu' in result.stderr
    assert 'Traceback' not in result.stderr


def test_a_gpu_without_kernels_in_the_torch_build_stops_the_run(monkeypatch):
    build = ['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120']  # torch 2.13.0+cu130's list
    assert not gpu_check.gpu_architecture_supported((7, 0), build)  # V100
    assert gpu_check.gpu_architecture_supported((8, 9), build)  # L4 / L40: sm_86 runs on 8.9
    assert gpu_check.gpu_architecture_supported((9, 0), build) and gpu_check.gpu_architecture_supported((12, 0), build)
    assert not gpu_check.gpu_architecture_supported((12, 1), ['sm_100'])
    assert gpu_check.gpu_architecture_supported((12, 1), ['sm_90', 'compute_90'])  # PTX: JIT-compiled for newer GPUs
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'get_arch_list', lambda: build)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    monkeypatch.setattr(torch.cuda, 'get_device_capability', lambda index=None: (7, 0))
    monkeypatch.setattr(torch.cuda, 'get_device_name', lambda index=None: 'Tesla V100-SXM2-32GB')
    with pytest.raises(ConfigCheckError, match=r'Tesla V100-SXM2-32GB, compute capability 7\.0.*sm_75'):
        gpu_check.check_cuda_usable(allow_cpu=False)
    monkeypatch.setattr(torch.cuda, 'get_device_capability', lambda index=None: (9, 0))
    gpu_check.check_cuda_usable(allow_cpu=False)  # an H100: fine


def test_visible_nvidia_gpus_reads_nvidia_smi_and_respects_hidden_devices(tmp_path, monkeypatch):
    stand_in(tmp_path, 'nvidia-smi', 'echo "A100, 535.104"; echo "A100, 535.104"\n')
    monkeypatch.setenv('PATH', f'{tmp_path}:{os.environ["PATH"]}')
    monkeypatch.delenv('CUDA_VISIBLE_DEVICES', raising=False)
    assert gpu_check.visible_nvidia_gpus() == 'A100 (driver 535.104); A100 (driver 535.104)'
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')
    assert gpu_check.visible_nvidia_gpus() is None


def test_auto_scale_lr_scales_to_the_actual_batch(tmp_path, synthetic_dresscode):
    config = small_config(
        tmp_path,
        synthetic_dresscode,
        extra='auto_scale_lr = dict(base_batch_size=16)\ntrain_cfg = dict(max_iters=1, val_interval=1000)',
    )
    train(config, tmp_path / 'scaled', '--auto-scale-lr')
    log = next((tmp_path / 'scaled').glob('*/*.log')).read_text()
    assert 'LR is set based on batch size of 16 and the current batch size is 2' in log
    scalars = next((tmp_path / 'scaled').glob('*/vis_data/scalars.json')).read_text()
    lines = [json.loads(x) for x in scalars.splitlines() if x.strip()]
    # The quickstart's lr 0.002 x 2 / 16, at the linear warm-up's start factor 0.01 in the first iteration.
    assert lines[0]['lr'] == pytest.approx(0.002 * 2 / 16 * 0.01)
    bare = small_config(tmp_path, synthetic_dresscode, name='bare.py', extra='auto_scale_lr = None')
    result = run_tool(['tools/train.py', str(bare), '--auto-scale-lr', '--work-dir', str(tmp_path / 'x')], check=False)
    assert result.returncode == 2 and 'needs auto_scale_lr = dict(base_batch_size=N)' in result.stderr


def test_slurm_train_passes_every_argument_to_train_py(tmp_path):
    stand_in(tmp_path, 'srun', 'echo "srun $*"; echo "MASTER_PORT=${MASTER_PORT:-unset}"\n')
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHON', 'MASTER_PORT', 'PORT')}
    env['PATH'] = f'{tmp_path}:{os.environ["PATH"]}'
    result = subprocess.run(
        [
            'bash',
            'tools/slurm_train.sh',
            'gpu',
            'job',
            'configs/topformer_pose_aux.py',
            '--resume',
            '--work-dir',
            'work_dirs/x',
            '--cfg-options',
            'train_cfg.max_iters=10',
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(env, GPUS='4'),
    )
    assert result.returncode == 0, result.stderr
    # the repository's venv runs train.py, as in dist_train.sh
    assert re.search(
        rf'srun -p gpu --job-name=job .*--ntasks=4 .* {re.escape(str(REPO))}/\.venv/bin/python -u '
        r'\S*tools/train\.py configs/topformer_pose_aux\.py --launcher slurm --resume --work-dir '
        r'work_dirs/x --cfg-options train_cfg\.max_iters=10',
        result.stdout,
    )
    assert 'MASTER_PORT=unset' in result.stdout  # train.py derives it from the job ID
    with_port = subprocess.run(
        ['bash', 'tools/slurm_train.sh', 'gpu', 'job', 'configs/topformer_pose_aux.py'],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(env, PORT='28123'),
    )
    assert 'MASTER_PORT=28123' in with_port.stdout


def test_slurm_jobs_on_one_node_rendezvous_on_their_own_ports(monkeypatch):
    from mmengine.config import Config

    monkeypatch.delenv('MASTER_PORT', raising=False)
    ports = []
    for job_id in ('4711', '4712'):
        monkeypatch.setenv('SLURM_JOB_ID', job_id)
        assert distributed.set_slurm_master_port(Config(dict(launcher='slurm'))) == int(os.environ['MASTER_PORT'])
        ports.append(os.environ.pop('MASTER_PORT'))
    assert ports == ['24711', '24712']  # not mmengine's default 29500 for both
    assert all(20000 <= distributed.slurm_master_port(str(job)) < 30000 for job in (0, 9999, 123456789))
    monkeypatch.setenv('MASTER_PORT', '29999')  # the user's choice wins
    assert distributed.set_slurm_master_port(Config(dict(launcher='slurm'))) is None
    assert os.environ['MASTER_PORT'] == '29999'
    monkeypatch.delenv('MASTER_PORT')
    with_port = Config(dict(launcher='slurm', env_cfg=dict(dist_cfg=dict(port=1234))))
    assert distributed.set_slurm_master_port(with_port) is None
    assert distributed.set_slurm_master_port(Config(dict(launcher='pytorch'))) is None
    assert 'MASTER_PORT' not in os.environ


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_sigterm_saves_a_checkpoint_and_resume_continues(tmp_path, synthetic_dresscode):
    config = small_config(
        tmp_path,
        synthetic_dresscode,
        extra='train_cfg = dict(max_iters=400, val_interval=1000)\n'
        'default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1000))',
    )
    work = tmp_path / 'preempted'
    process = subprocess.Popen(
        [sys.executable, 'tools/train.py', str(config), '--work-dir', str(work)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED='1'),
    )
    output = []
    deadline = time.time() + 300
    while time.time() < deadline:  # wait for the third iteration, then ask the job to stop as Slurm does
        line = process.stdout.readline()
        output.append(line)
        if re.search(r'Iter\(train\) \[\s*3/400\]', line):
            process.send_signal(signal.SIGTERM)
            break
    rest, _ = process.communicate(timeout=300)
    text = ''.join(output) + rest
    assert process.returncode == 143, text[-3000:]
    stopped = int(re.search(r'Training stopped by a signal after iteration (\d+)', text).group(1))
    assert 3 <= stopped < 400 and (work / f'iter_{stopped}.pth').is_file()
    assert (work / 'last_checkpoint').read_text().strip().endswith(f'iter_{stopped}.pth')
    resumed = train(config, work, '--resume', '--cfg-options', f'train_cfg.max_iters={stopped + 2}')
    assert f'Iter(train) [{stopped + 2}/{stopped + 2}]' in resumed.stdout + resumed.stderr


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_tensorboard_events_plot_curves_and_confusion_matrix(tmp_path, synthetic_dresscode):
    config = small_config(
        tmp_path,
        synthetic_dresscode,
        extra='train_cfg = dict(max_iters=2, val_interval=2)\ndefault_hooks = dict(checkpoint=dict(interval=2))',
    )
    train(config, tmp_path / 'run')
    assert list((tmp_path / 'run').glob('*/vis_data/events.out.tfevents.*'))
    curves = run_tool(
        [
            'tools/analysis_tools/plot_curves.py',
            str(tmp_path / 'run'),
            '--keys',
            'loss',
            'mIoU',
            'lr',
            '--out',
            str(tmp_path / 'curves.png'),
        ]
    )
    assert (tmp_path / 'curves.png').stat().st_size > 1000 and 'Written' in curves.stdout
    run_tool(
        [
            'tools/test.py',
            str(config),
            str(tmp_path / 'run' / 'iter_2.pth'),
            '--work-dir',
            str(tmp_path / 't'),
            '--out',
            str(tmp_path / 'preds'),
        ]
    )
    result = run_tool(
        [
            'tools/analysis_tools/confusion_matrix.py',
            str(config),
            str(tmp_path / 'preds'),
            '--out',
            str(tmp_path / 'cm'),
        ]
    )
    report = json.loads((tmp_path / 'cm' / 'confusion_matrix.json').read_text())
    assert len(report['matrix']) == 18 and report['images'] == 6
    assert sum(map(sum, report['matrix'])) == 6 * 128 * 96  # every labelled pixel of the 6 test photos, once
    assert (tmp_path / 'cm' / 'confusion_matrix.png').is_file() and 'class recall' in result.stdout


def test_browse_dataset_draws_augmented_samples_with_named_joints(tmp_path, synthetic_dresscode):
    result = run_tool(
        [
            'tools/analysis_tools/browse_dataset.py',
            str(REPO / 'configs/quickstart/topformer_b_dresscode_cpu.py'),
            '--num',
            '2',
            '--out',
            str(tmp_path / 'browse'),
            '--cfg-options',
            f'train_dataloader.dataset.data_root={synthetic_dresscode}',
        ]
    )
    pictures = sorted((tmp_path / 'browse').glob('*.jpg'))
    assert len(pictures) == 2 and '2 pictures' in result.stdout
    import cv2

    picture = cv2.imread(str(pictures[0]))
    assert picture.shape[1] > 4 * 96  # photo, labels, keypoints, limb maps and heatmaps side by side


def test_ort_runner_names_missing_execution_providers(tmp_path):
    import onnxruntime

    from mmext.deployment import OrtRunner

    if 'CUDAExecutionProvider' in onnxruntime.get_available_providers():
        pytest.skip('onnxruntime-gpu is installed here')
    with pytest.raises(ValueError, match='onnxruntime-gpu'):
        OrtRunner(str(tmp_path / 'never_read.onnx'), providers=['CUDAExecutionProvider', 'CPUExecutionProvider'])
