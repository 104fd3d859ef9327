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
from mmext.utils import runtime


def stand_in(folder, name: str, script: str) -> None:
    """An executable ``name`` in ``folder`` running the bash ``script``."""
    path = folder / name
    path.write_text('#!/usr/bin/env bash\n' + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def install_dry_run(**env):
    return subprocess.run(['bash', 'tools/install.sh'], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, DRY_RUN='1', **env))


def test_install_passes_the_chosen_torch_build_to_uv():
    chosen = install_dry_run(TORCH_BACKEND='cu121')
    assert chosen.returncode == 0, chosen.stderr
    assert re.search(r'\+ .*uv pip install .*--torch-backend cu121 -r requirements\.lock', chosen.stdout)
    default = install_dry_run()
    assert '--torch-backend' not in default.stdout and '-r requirements.lock' in default.stdout


def test_install_says_which_mmcv_ops_it_builds():
    login_node = install_dry_run(MMCV_WITH_OPS='1')
    assert 'CPU-only ops: no usable GPU here' in login_node.stdout and 'FORCE_CUDA=1' in login_node.stdout
    forced = install_dry_run(MMCV_WITH_OPS='1', FORCE_CUDA='1')
    assert 'CUDA and CPU ops (FORCE_CUDA=1' in forced.stdout
    assert re.search(r'\+ env MMCV_WITH_OPS=1 FORCE_CUDA=1 .*mmcv @ ', forced.stdout)


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
    monkeypatch.setattr(runtime, 'visible_nvidia_gpus', lambda: 'Tesla V100-SXM2-32GB (driver 470.57.02)')
    with pytest.raises(runtime.ConfigCheckError) as error:
        runtime.check_cuda_usable(allow_cpu=False)
    message = str(error.value)
    assert 'Tesla V100-SXM2-32GB (driver 470.57.02)' in message and 'cannot use them' in message
    assert 'TORCH_BACKEND=cu121' in message and '--cpu' in message
    runtime.check_cuda_usable(allow_cpu=True)  # asked for the CPU: no error
    monkeypatch.setattr(runtime, 'visible_nvidia_gpus', lambda: None)
    runtime.check_cuda_usable(allow_cpu=False)  # a CPU-only machine works as before


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


def test_visible_nvidia_gpus_reads_nvidia_smi_and_respects_hidden_devices(tmp_path, monkeypatch):
    stand_in(tmp_path, 'nvidia-smi', 'echo "A100, 535.104"; echo "A100, 535.104"\n')
    monkeypatch.setenv('PATH', f'{tmp_path}:{os.environ["PATH"]}')
    monkeypatch.delenv('CUDA_VISIBLE_DEVICES', raising=False)
    assert runtime.visible_nvidia_gpus() == 'A100 (driver 535.104); A100 (driver 535.104)'
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')
    assert runtime.visible_nvidia_gpus() is None


def test_auto_scale_lr_scales_to_the_actual_batch(tmp_path, synthetic_dresscode):
    config = small_config(tmp_path, synthetic_dresscode, extra='auto_scale_lr = dict(base_batch_size=16)\n'
                          'train_cfg = dict(max_iters=1, val_interval=1000)')
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
    stand_in(tmp_path, 'srun', 'echo "srun $*"\n')
    result = subprocess.run(['bash', 'tools/slurm_train.sh', 'gpu', 'job', 'configs/topformer_pose_aux.py', '--resume',
                             '--work-dir', 'work_dirs/x', '--cfg-options', 'train_cfg.max_iters=10'],
                            cwd=REPO, capture_output=True, text=True, env=dict(os.environ, PATH=f'{tmp_path}:'
                                                                               f'{os.environ["PATH"]}', GPUS='4'))
    assert result.returncode == 0, result.stderr
    assert re.search(r'srun -p gpu --job-name=job .*--ntasks=4 .*tools/train\.py configs/topformer_pose_aux\.py '
                     r'--launcher slurm --resume --work-dir work_dirs/x --cfg-options train_cfg\.max_iters=10',
                     result.stdout)


def test_sigterm_saves_a_checkpoint_and_resume_continues(tmp_path, synthetic_dresscode):
    config = small_config(tmp_path, synthetic_dresscode, extra='train_cfg = dict(max_iters=400, val_interval=1000)\n'
                          'default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1000))')
    work = tmp_path / 'preempted'
    process = subprocess.Popen([sys.executable, 'tools/train.py', str(config), '--work-dir', str(work)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED='1'))
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


def test_tensorboard_events_plot_curves_and_confusion_matrix(tmp_path, synthetic_dresscode):
    config = small_config(tmp_path, synthetic_dresscode, extra='train_cfg = dict(max_iters=2, val_interval=2)\n'
                          'default_hooks = dict(checkpoint=dict(interval=2))')
    train(config, tmp_path / 'run')
    assert list((tmp_path / 'run').glob('*/vis_data/events.out.tfevents.*'))
    curves = run_tool(['tools/analysis_tools/plot_curves.py', str(tmp_path / 'run'), '--keys', 'loss', 'mIoU', 'lr',
                       '--out', str(tmp_path / 'curves.png')])
    assert (tmp_path / 'curves.png').stat().st_size > 1000 and 'Written' in curves.stdout
    run_tool(['tools/test.py', str(config), str(tmp_path / 'run' / 'iter_2.pth'), '--work-dir', str(tmp_path / 't'),
              '--out', str(tmp_path / 'preds')])
    result = run_tool(['tools/analysis_tools/confusion_matrix.py', str(config), str(tmp_path / 'preds'), '--out',
                       str(tmp_path / 'cm')])
    report = json.loads((tmp_path / 'cm' / 'confusion_matrix.json').read_text())
    assert len(report['matrix']) == 18 and report['images'] == 6
    assert sum(map(sum, report['matrix'])) == 6 * 128 * 96  # every labelled pixel of the 6 test photos, once
    assert (tmp_path / 'cm' / 'confusion_matrix.png').is_file() and 'class recall' in result.stdout


def test_browse_dataset_draws_augmented_samples_with_named_joints(tmp_path, synthetic_dresscode):
    result = run_tool(['tools/analysis_tools/browse_dataset.py', str(REPO / 'configs/quickstart/'
                       'topformer_b_dresscode_cpu.py'), '--num', '2', '--out', str(tmp_path / 'browse'),
                       '--cfg-options', f'train_dataloader.dataset.data_root={synthetic_dresscode}'])
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
