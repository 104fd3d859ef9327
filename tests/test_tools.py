# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""tools/: train -> test, resume, two-process DDP on the CPU (gloo), config checks, --help everywhere."""

import json
import os
import re
import runpy
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO, run_tool

QUICKSTART = REPO / 'configs/quickstart/topformer_b_dresscode_cpu.py'


def small_config(tmp_path, data_root, name='cfg.py', extra=''):
    """The quickstart config on the fixture data, deterministic (no random augmentation, dropout or drop-path)."""
    path = tmp_path / name
    path.write_text(f"""
_base_ = [{str(QUICKSTART)!r}]
data_root = {str(data_root)!r}
crop_size = (128, 96)
randomness = dict(seed=0)
model = dict(data_preprocessor=dict(size=crop_size), backbone=dict(drop_path_rate=0.0),
             decode_head=dict(dropout_ratio=0.0))
pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='LoadDressCodeKeypoints'),
            dict(type='GenerateLandmarkHeatmaps', encoder=dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)),
            dict(type='GenerateLimbMaps', encoder=dict(type='LimbMapCodec', stride=4, width=3.0)),
            dict(type='PackMultiTaskInputs')]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root, pipeline=pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=4, val_interval=1000)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2, max_keep_ckpts=5))
{extra}
""")
    return path


def train(config, work_dir, *options, env=None):
    return run_tool(['tools/train.py', str(config), '--work-dir', str(work_dir), *options], env=env)


@pytest.fixture(scope='module')
def uninterrupted_run(tmp_path_factory, synthetic_dresscode):
    tmp = tmp_path_factory.mktemp('run')
    config = small_config(tmp, synthetic_dresscode)
    result = train(config, tmp / 'full')
    return config, tmp, result


def test_train_logs_progress_and_says_where_results_went(uninterrupted_run):
    _, tmp, result = uninterrupted_run
    assert re.search(r'Iter\(train\) \[4/4\].*loss', result.stderr + result.stdout)
    assert f'Logs and checkpoints: {tmp / "full"}' in result.stdout
    assert (tmp / 'full' / 'iter_4.pth').is_file()
    checkpoint = torch.load(tmp / 'full' / 'iter_4.pth')  # weights_only=True (torch >= 2.6)
    assert checkpoint['meta']['iter'] == 4
    assert checkpoint['meta']['dataset_meta']['classes'][:4] == ('background', 'hat', 'hair', 'sunglasses')
    assert any(k.startswith('aux_task_heads.landmarks.') for k in checkpoint['state_dict'])


def test_dumped_config_is_the_loaded_config(uninterrupted_run):
    """tools/train.py rewrites nothing (on this CPU machine the SyncBN config stays SyncBN: mmengine runs it as
    BatchNorm in a single process); only --work-dir and --launcher are the CLI's, as in mmseg."""
    from mmengine.config import Config

    config, tmp, _ = uninterrupted_run

    def plain(cfg):
        return json.loads(json.dumps(cfg.to_dict(), default=str))

    dumped = plain(Config.fromfile(str(tmp / 'full' / config.name)))
    assert (dumped.pop('work_dir'), dumped.pop('launcher')) == (str(tmp / 'full'), 'none')
    assert dumped == plain(Config.fromfile(str(config)))
    assert dumped['model']['backbone']['norm_cfg']['type'] == 'SyncBN'


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_test_tool_writes_predictions_metrics_and_runs_tta(uninterrupted_run, tmp_path):
    config, tmp, _ = uninterrupted_run
    out, predictions = tmp_path / 'metrics.json', tmp_path / 'preds'
    result = run_tool(
        [
            'tools/test.py',
            str(config),
            str(tmp / 'full' / 'iter_4.pth'),
            '--work-dir',
            str(tmp_path / 'test'),
            '--metrics-out',
            str(out),
            '--out',
            str(predictions),
        ]
    )
    metrics = json.loads(out.read_text())
    assert 0 <= metrics['mIoU'] <= 100 and 0 <= metrics['aAcc'] <= 100
    assert 0 <= metrics['gIoU.person'] <= 100 and 0 <= metrics['PCK@0.1'] <= 100
    assert f'mIoU: {metrics["mIoU"]:.2f}' in result.stdout
    assert str(out) in result.stdout and str(predictions) in result.stdout
    maps = sorted(predictions.glob('*.png'))
    assert len(maps) == 6  # the 6 test photos of the small synthetic set, mmseg's --out layout
    label = cv2.imread(str(maps[0]), cv2.IMREAD_UNCHANGED)
    assert label.dtype == np.uint8 and label.max() < 18 and label.shape == (128, 96)
    assert 'Config:' not in result.stdout  # the config dump is in the log file, not on the console
    tta = run_tool(
        [
            'tools/test.py',
            str(config),
            str(tmp / 'full' / 'iter_4.pth'),
            '--work-dir',
            str(tmp_path / 'tta'),
            '--tta',
            '--metrics-out',
            str(tmp_path / 'tta.json'),
        ]
    )
    assert 'Test metrics: ' in tta.stdout and 0 <= json.loads((tmp_path / 'tta.json').read_text())['mIoU'] <= 100
    assert '--tta: segmentation only' in tta.stdout  # the landmark head's predictions are not merged


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_resume_continues_with_same_iteration_optimizer_and_scheduler(uninterrupted_run):
    config, tmp, _ = uninterrupted_run
    stopped = tmp / 'stopped'
    train(config, stopped, '--cfg-options', 'train_cfg.max_iters=2')
    assert (stopped / 'iter_2.pth').is_file() and not (stopped / 'iter_4.pth').exists()
    resumed = train(config, stopped, '--resume')
    log = resumed.stderr + resumed.stdout
    assert 'resumed epoch: 0, iter: 2' in log
    assert not re.search(r'Iter\(train\) \[[12]/4\]', log)  # iterations 1-2 are not trained again
    full = torch.load(tmp / 'full' / 'iter_4.pth')
    again = torch.load(stopped / 'iter_4.pth')
    assert again['meta']['iter'] == full['meta']['iter'] == 4
    for key, value in full['state_dict'].items():
        assert torch.equal(value, again['state_dict'][key]), key
    for state_full, state_again in zip(full['optimizer']['state'].values(), again['optimizer']['state'].values()):
        assert torch.equal(state_full['step'], state_again['step'])
        assert torch.equal(state_full['exp_avg'], state_again['exp_avg'])
    assert full['optimizer']['param_groups'][0]['lr'] == again['optimizer']['param_groups'][0]['lr']
    assert full['param_schedulers'] == again['param_schedulers']


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_dist_train_two_cpu_processes_train_one_synchronised_model(tmp_path, synthetic_dresscode):
    config = small_config(
        tmp_path,
        synthetic_dresscode,
        extra="custom_hooks = [dict(type='ModelSyncCheckHook', interval=2)]\n"
        "default_hooks = dict(checkpoint=dict(interval=4))",
    )
    work_dir = tmp_path / 'dist'
    env = dict(os.environ, PYTHON=sys.executable, PORT='29731')
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', str(work_dir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    assert 'distributed training on the CPU with the gloo backend' in log
    run_log = next(work_dir.glob('*/*.log')).read_text()  # the environment dump goes to the log file only
    assert 'Distributed launcher: pytorch' in run_log and 'SyncBN configs -> BN' in run_log
    for done in (2, 4):
        assert f'parameters identical on all 2 ranks after {done} iterations' in log
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_4.pth']  # rank 0 writes, once
    assert torch.load(work_dir / 'iter_4.pth')['meta']['iter'] == 4


def _sync_worker(rank, world_size, port, perturb, queue):
    from types import SimpleNamespace

    import torch.distributed as dist

    from mmext.engine.hooks import ModelSyncCheckHook

    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world_size)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    if perturb and rank == 1:
        with torch.no_grad():
            model.bias[0] += 1e-6
    messages = []
    runner = SimpleNamespace(model=model, iter=7, logger=SimpleNamespace(info=messages.append))
    try:
        ModelSyncCheckHook().after_train(runner)
        queue.put((rank, 'ok', messages))
    except RuntimeError as e:
        queue.put((rank, 'error', str(e)))
    dist.destroy_process_group()


@pytest.mark.parametrize('perturb', [False, True])
def test_model_sync_check_detects_diverged_ranks(perturb):
    import torch.multiprocessing as mp

    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    port = 29741 + int(perturb)
    procs = [ctx.Process(target=_sync_worker, args=(r, 2, port, perturb, queue)) for r in range(2)]
    for p in procs:
        p.start()
    results = sorted(queue.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    if perturb:
        assert all(status == 'error' and 'different weights after 7 iterations' in msg for _, status, msg in results)
    else:
        assert all(status == 'ok' for _, status, _ in results)
        assert 'identical on all 2 ranks' in results[0][2][0]


def test_missing_weights_and_data_fail_before_training_with_one_clear_message(tmp_path):
    result = run_tool(
        [
            'tools/train.py',
            'configs/topformer_pose_aux.py',
            '--work-dir',
            str(tmp_path / 'w'),
            '--cfg-options',
            'train_dataloader.dataset.data_root=/no/such/dir',
            'model.backbone.init_cfg.checkpoint=/no/weights.pth',
        ],
        check=False,
    )
    assert result.returncode == 2
    assert 'model.backbone.init_cfg.checkpoint' in result.stderr and '/no/weights.pth' in result.stderr
    assert 'train_dataloader.dataset.data_root' in result.stderr and '/no/such/dir' in result.stderr
    assert not (tmp_path / 'w').exists()


def test_main_config_is_topformer_b_with_landmark_and_skeleton_heads_on_dresscode():
    from mmengine.config import Config

    cfg = Config.fromfile(str(REPO / 'configs/topformer_pose_aux.py'))
    assert cfg.model.type == 'MultiTaskEncoderDecoder'
    assert cfg.model.backbone.type == 'TopFormer' and cfg.model.backbone.arch == 'base'
    assert cfg.model.decode_head.type == 'TopFormerHead' and cfg.model.decode_head.num_classes == 18
    assert {k: v.type for k, v in cfg.model.aux_task_heads.items()} == dict(
        landmarks='LandmarkHeatmapHead', skeleton='SkeletonHead'
    )
    assert cfg.custom_imports == dict(imports=['mmext'], allow_failed_imports=False)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.type == 'DressCodeDataset'
        assert cfg[loader].dataset.data_root == 'data/dresscode'
    cfg.merge_from_dict(
        {
            'train_dataloader.dataset.data_root': 'X',
            'val_dataloader.dataset.data_root': 'Y',
            'test_dataloader.dataset.data_root': 'Z',
        }
    )
    assert (
        cfg.train_dataloader.dataset.data_root,
        cfg.val_dataloader.dataset.data_root,
        cfg.test_dataloader.dataset.data_root,
    ) == ('X', 'Y', 'Z')


@pytest.mark.parametrize(
    'tool',
    [
        'tools/train.py',
        'tools/test.py',
        'tools/misc/make_synthetic_dresscode.py',
        'tools/model_converters/topformer2mmext.py',
        'tools/misc/print_env.py',
    ],
)
def test_python_tools_have_help(tool, capsys, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [tool, '--help'])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(REPO / tool), run_name='__main__')
    assert exit_info.value.code == 0
    assert 'usage:' in capsys.readouterr().out


@pytest.mark.parametrize(
    'script', ['dist_train.sh', 'dist_test.sh', 'slurm_train.sh', 'slurm_test.sh', 'misc/gpu_smoke.sh']
)
def test_shell_launchers_have_help(script):
    result = subprocess.run(['bash', f'tools/{script}', '--help'], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and 'bash tools/' + script in result.stdout
