# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Two gloo processes under torchrun (tools/dist_train.sh); rank 1 fails at iteration 2. The job must end
with a non-zero status and an error naming the failure, within a bounded time -- never hang."""

import os
import re
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO
from faults import SUBPROCESS_ENV, tiny_config


def dist_train(config, work_dir, port: int, *options: str, timeout: float = 300):
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(port), PYTHONUNBUFFERED='1', **SUBPROCESS_ENV)
    start = time.monotonic()
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', str(work_dir), *options],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result, result.stdout + result.stderr, time.monotonic() - start


def test_a_rank_that_raises_ends_the_whole_job_with_its_error(tmp_path, synthetic_dresscode):
    config = tiny_config(
        tmp_path / 'raise.py',
        synthetic_dresscode,
        extra="custom_hooks = [dict(type='FailOnRankHook', rank=1, at_iter=3, mode='raise')]",
    )
    result, log, seconds = dist_train(config, tmp_path / 'w', 29761)
    assert result.returncode != 0, log[-4000:]
    assert 'Iter(train) [2/6]' in log  # both ranks trained together first, and saved iteration 2
    checkpoint = torch.load(tmp_path / 'w' / 'iter_2.pth')
    assert len(checkpoint['rng_states']) == 2  # gathered from both ranks before the master-only save
    # torchrun's summary names the failed rank and, through @record, the exception.
    assert re.search(r'rank\s*:\s*1', log), log[-4000:]
    assert 'RuntimeError: injected failure on rank 1 at iteration 3' in log
    assert 'error: rank 1 of 2 stopped at iteration 3: RuntimeError: injected failure' in log
    assert seconds < 240


@pytest.mark.slow
def test_a_rank_that_hangs_is_ended_by_the_configured_timeout(tmp_path, synthetic_dresscode):
    config = tiny_config(
        tmp_path / 'hang.py',
        synthetic_dresscode,
        extra="custom_hooks = [dict(type='FailOnRankHook', rank=1, at_iter=2, mode='hang')]",
    )
    result, log, seconds = dist_train(config, tmp_path / 'w', 29763, '--cfg-options', 'env_cfg.dist_cfg.timeout=15')
    assert result.returncode != 0, log[-4000:]
    assert 'error: rank 0 of 2 stopped at iteration 2' in log, log[-4000:]
    assert 'It waited env_cfg.dist_cfg.timeout (15 s) for another rank, which hung or died' in log
    assert seconds < 240  # the default (30 minutes) would still be waiting
