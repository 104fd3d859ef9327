"""A run that dies half-way through writing iter_4.pth (max_keep_ckpts=1): with AtomicCheckpointHook the
previous checkpoint and last_checkpoint stay intact and resumable; with mmengine's CheckpointHook the run
is left without any complete checkpoint. (test_resume.py kills a real process inside such a write.)"""
import builtins
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from faults import tiny_config
from test_resume import load_tool


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way handles it."""


@pytest.fixture
def crash_half_way_through(monkeypatch):
    """Any binary write to a file whose name contains 'iter_4' writes half its bytes, then crashes."""
    real_open = builtins.open

    class HalfWriter:
        def __init__(self, file):
            self._file = file

        def write(self, data):
            self._file.write(data[:len(data) // 2])
            self._file.flush()
            raise SimulatedCrash(self._file.name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._file.close()

        def __getattr__(self, name):
            return getattr(self._file, name)

    def fake_open(file, mode='r', *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return HalfWriter(handle) if 'iter_4' in str(file) and 'w' in mode and 'b' in mode else handle

    monkeypatch.setattr(builtins, 'open', fake_open)


@pytest.fixture
def keep_determinism_flag():
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield
    torch.use_deterministic_algorithms(deterministic)


def config_for(tmp_path, data_root, hook_type):
    return tiny_config(tmp_path / f'{hook_type}.py', data_root, max_iters=4,
                       extra=f"default_hooks['checkpoint']['type'] = {hook_type!r}")


def test_crash_while_saving_keeps_the_previous_checkpoint(tmp_path, synthetic_dresscode, keep_determinism_flag,
                                                          crash_half_way_through):
    work = tmp_path / 'atomic'
    config = config_for(tmp_path, synthetic_dresscode, 'AtomicCheckpointHook')
    with pytest.raises(SimulatedCrash):
        load_tool('tools/train.py').main([str(config), '--work-dir', str(work)])
    assert sorted(p.name for p in work.iterdir() if p.suffix in ('.pth', '.tmp') or p.name == 'last_checkpoint') \
        == ['iter_2.pth', 'last_checkpoint']  # no partial iter_4.pth; the temporary file was removed
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')
    assert torch.load(work / 'iter_2.pth')['meta']['iter'] == 2


def test_mmengine_checkpoint_hook_loses_every_checkpoint_in_the_same_crash(tmp_path, synthetic_dresscode,
                                                                          keep_determinism_flag,
                                                                          crash_half_way_through):
    """Why AtomicCheckpointHook exists: mmengine deletes iter_2.pth first, then writes iter_4.pth in place."""
    work = tmp_path / 'plain'
    cfg = Config.fromfile(str(config_for(tmp_path, synthetic_dresscode, 'CheckpointHook')))
    cfg.work_dir = str(work)
    with pytest.raises(SimulatedCrash):
        Runner.from_cfg(cfg).train()
    assert not (work / 'iter_2.pth').exists()
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')  # names a deleted file
    with pytest.raises(Exception):
        torch.load(work / 'iter_4.pth')  # truncated


def test_atomic_write_replaces_whole_files_only(tmp_path, monkeypatch):
    from mmext.utils.atomic_io import atomic_write
    target = tmp_path / 'sub' / 'last_checkpoint'
    atomic_write(target, 'iter_2.pth')
    assert target.read_text() == 'iter_2.pth'

    def failing_fsync(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', failing_fsync)
    with pytest.raises(OSError, match='disk full'):
        atomic_write(target, 'iter_4.pth')
    assert target.read_text() == 'iter_2.pth'
    assert sorted(p.name for p in target.parent.iterdir()) == ['last_checkpoint']


def test_misspelt_checkpoint_argument_fails_when_the_hook_is_built():
    from mmext.engine.hooks import AtomicCheckpointHook
    with pytest.raises(TypeError, match="unexpected keyword argument 'intervall'"):
        AtomicCheckpointHook(intervall=2)


def test_fault_tolerance_is_declared_by_the_configs_not_added_by_the_tools():
    from conftest import REPO
    from mmext.utils.runtime import drop_disabled_hooks
    for name in ('configs/topformer_pose_aux.py', 'configs/quickstart/topformer_b_dresscode_cpu.py',
                 'configs/deeplabv3/deeplabv3_r50-d8_4xb4-80k_ccp-person-512x512.py',
                 'projects/ccp_pose_aux/configs/clothing4/seg_only.py'):
        hooks = Config.fromfile(str(REPO / name)).default_hooks
        assert (hooks.checkpoint.type, hooks.rng_state.type, hooks.nonfinite, hooks.preemption.type) == (
            'AtomicCheckpointHook', 'RNGStateHook', dict(type='NonFiniteLossHook', on_nonfinite='stop'),
            'PreemptionCheckpointHook'), name
    cfg = Config(dict(default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=5), rng_state=None)))
    assert drop_disabled_hooks(cfg) == ['default_hooks.rng_state turned off']
    assert cfg.default_hooks == dict(checkpoint=dict(type='CheckpointHook', interval=5))  # nothing added
