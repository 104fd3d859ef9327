# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""SIGKILL a training run while it saves a checkpoint; ``--resume`` then reproduces the uninterrupted run.

One subprocess is killed for real (it blocks inside the fsync of ``iter_4.pth``'s temporary file, after
iterations 3 and 4 are logged); the uninterrupted and the resumed runs go through ``tools/train.py``'s
``main`` in this process, which saves about 30 s of imports per run.
"""

import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from conftest import REPO
from faults import STALL_MARKER, SUBPROCESS_ENV, tiny_config


def load_tool(relative: str):
    spec = importlib.util.spec_from_file_location(Path(relative).stem + '_tool', REPO / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def train_main():
    """tools/train.py's main(); restores torch's global determinism flag that the runs switch on."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield load_tool('tools/train.py').main
    torch.use_deterministic_algorithms(deterministic)


def logged_losses(work_dir: Path) -> List[Dict[int, float]]:
    """Per run of the work dir (in start order): iteration -> logged total loss."""
    runs = []
    for scalars in sorted(work_dir.glob('*/vis_data/scalars.json')):
        lines = [json.loads(line) for line in scalars.read_text().splitlines() if line.strip()]
        runs.append({entry['step']: entry['loss'] for entry in lines if 'loss' in entry})
    return runs


def wait_for_a_new_log_dir_name(work_dir: Path) -> None:
    """mmengine names each run's log dir by the second it starts: a resume in the same second as the killed
    run would share (and append to) that run's dir, so wait until the clock has passed every existing name."""
    latest = max(path.name for path in work_dir.glob('20*_*') if path.is_dir())
    while time.strftime('%Y%m%d_%H%M%S') <= latest:
        time.sleep(0.1)


def kill_when_stalled(command: List[str], timeout: float = 300) -> str:
    """Run ``command``, SIGKILL it once it prints the stall marker; return its output."""
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env=dict(os.environ, PYTHONUNBUFFERED='1', **SUBPROCESS_ENV),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            line = proc.stdout.readline() if ready else ''
            output.append(line)
            if STALL_MARKER in line:
                os.kill(proc.pid, signal.SIGKILL)
                break
            if proc.poll() is not None and not ready:
                break
        else:
            raise AssertionError('the run never reached the stalled checkpoint write:\n' + ''.join(output)[-4000:])
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, ''.join(output)[-4000:]
    return ''.join(output)


def test_sigkill_while_saving_then_resume_matches_uninterrupted_run(tmp_path, synthetic_dresscode, train_main):
    # A: the uninterrupted reference, 6 iterations.
    full = tmp_path / 'full'
    assert train_main([str(tiny_config(tmp_path / 'a.py', synthetic_dresscode)), '--work-dir', str(full)]) == 0

    # B: the same run, killed while iter_4.pth is being written (iter_2.pth is complete by then).
    config_b = tiny_config(
        tmp_path / 'b.py',
        synthetic_dresscode,
        extra="custom_hooks = [dict(type='StallCheckpointWriteHook', at_iter=4)]",
    )
    killed = tmp_path / 'killed'
    log = kill_when_stalled([sys.executable, 'tools/train.py', str(config_b), '--work-dir', str(killed)])
    assert 'Iter(train) [4/6]' in log
    assert (killed / 'last_checkpoint').read_text() == str(killed / 'iter_2.pth')
    assert not (killed / 'iter_4.pth').exists()
    assert len(list(killed.glob('.iter_4.pth.*.tmp'))) == 1  # the interrupted write never reached its name
    checkpoint = torch.load(killed / 'iter_2.pth')  # complete, and loadable with weights_only=True
    assert checkpoint['meta']['iter'] == 2 and len(checkpoint['rng_states']) == 1
    control = tmp_path / 'control'
    shutil.copytree(killed, control)

    wait_for_a_new_log_dir_name(killed)
    assert train_main([str(config_b), '--work-dir', str(killed), '--resume', '--cfg-options', 'custom_hooks=[]']) == 0

    reference = logged_losses(full)[0]
    before_kill, resumed = logged_losses(killed)
    assert sorted(reference) == [1, 2, 3, 4, 5, 6]
    assert sorted(before_kill) == [1, 2, 3, 4] and sorted(resumed) == [3, 4, 5, 6]
    for i in range(1, 7):
        trained = before_kill[i] if i <= 2 else resumed[i]
        assert trained == pytest.approx(reference[i], rel=1e-6, abs=1e-7), (i, trained, reference[i])
    final_full, final_resumed = torch.load(full / 'iter_6.pth'), torch.load(killed / 'iter_6.pth')
    for key, value in final_full['state_dict'].items():
        torch.testing.assert_close(final_resumed['state_dict'][key], value, rtol=1e-6, atol=1e-7, msg=key)
    assert final_full['param_schedulers'] == final_resumed['param_schedulers']

    # Control: without RNGStateHook (mmengine alone) the resumed run draws other random numbers.
    shutil.copy(config_b, tmp_path / 'c.py')
    wait_for_a_new_log_dir_name(control)
    assert (
        train_main(
            [
                str(tmp_path / 'c.py'),
                '--work-dir',
                str(control),
                '--resume',
                str(control / 'iter_2.pth'),
                '--cfg-options',
                'custom_hooks=[]',
                'default_hooks.rng_state=None',
            ]
        )
        == 0
    )
    plain = logged_losses(control)[1]
    assert max(abs(plain[i] - reference[i]) for i in (3, 4, 5, 6)) > 1e-4


@pytest.mark.slow
def test_two_process_run_resumed_after_a_crash_matches_uninterrupted_run(tmp_path, synthetic_dresscode):
    """The same with DDP on 2 gloo processes: each rank gets its own generator states back."""
    env = dict(os.environ, PYTHON=sys.executable, PYTHONUNBUFFERED='1', **SUBPROCESS_ENV)

    def dist_train(config, work_dir, port, *options):
        return subprocess.run(
            ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', str(work_dir), *options],
            cwd=REPO,
            env=dict(env, PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=600,
        )

    full = tmp_path / 'full'
    assert dist_train(tiny_config(tmp_path / 'a.py', synthetic_dresscode), full, 29781).returncode == 0
    config_b = tiny_config(
        tmp_path / 'b.py', synthetic_dresscode, extra="custom_hooks = [dict(type='FailOnRankHook', rank=1, at_iter=5)]"
    )
    crashed = tmp_path / 'crashed'
    assert dist_train(config_b, crashed, 29783).returncode != 0
    assert len(torch.load(crashed / 'iter_4.pth')['rng_states']) == 2
    resumed = dist_train(config_b, crashed, 29785, '--resume', '--cfg-options', 'custom_hooks=[]')
    (tmp_path / 'resumed.log').write_text(resumed.stdout + resumed.stderr)
    assert resumed.returncode == 0, f'see {tmp_path / "resumed.log"}'

    reference, (_, after) = logged_losses(full)[0], logged_losses(crashed)
    assert sorted(after) == [5, 6]
    for i in (5, 6):
        assert after[i] == pytest.approx(reference[i], rel=1e-6, abs=1e-7), (i, after[i], reference[i])
    final_full, final_resumed = torch.load(full / 'iter_6.pth'), torch.load(crashed / 'iter_6.pth')
    for key, value in final_full['state_dict'].items():
        torch.testing.assert_close(final_resumed['state_dict'][key], value, rtol=1e-6, atol=1e-7, msg=key)
