# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A run that dies half-way through writing iter_4.pth (max_keep_ckpts=1): with AtomicCheckpointHook the
previous checkpoint and last_checkpoint stay intact and resumable; with mmengine's CheckpointHook the run
is left without any complete checkpoint. (test_resume.py kills a real process inside such a write.)"""

import builtins
import os

import pytest
import torch
from faults import tiny_config
from mmengine.config import Config
from mmengine.runner import Runner
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
            self._file.write(data[: len(data) // 2])
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
    return tiny_config(
        tmp_path / f'{hook_type}.py',
        data_root,
        max_iters=4,
        extra=f"default_hooks['checkpoint']['type'] = {hook_type!r}",
    )


def test_crash_while_saving_keeps_the_previous_checkpoint(
    tmp_path, synthetic_dresscode, keep_determinism_flag, crash_half_way_through
):
    work = tmp_path / 'atomic'
    config = config_for(tmp_path, synthetic_dresscode, 'AtomicCheckpointHook')
    with pytest.raises(SimulatedCrash):
        load_tool('tools/train.py').main([str(config), '--work-dir', str(work)])
    assert sorted(p.name for p in work.iterdir() if p.suffix in ('.pth', '.tmp') or p.name == 'last_checkpoint') == [
        'iter_2.pth',
        'last_checkpoint',
    ]  # no partial iter_4.pth; the temporary file was removed
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')
    assert torch.load(work / 'iter_2.pth')['meta']['iter'] == 2


def test_mmengine_checkpoint_hook_loses_every_checkpoint_in_the_same_crash(
    tmp_path, synthetic_dresscode, keep_determinism_flag, crash_half_way_through
):
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

    from mmext.utils.hook_settings import drop_disabled_hooks

    for name in (
        'configs/topformer_pose_aux.py',
        'configs/quickstart/topformer_b_dresscode_cpu.py',
        'configs/deeplabv3/deeplabv3_r50-d8_4xb4-80k_ccp-person-512x512.py',
        'projects/ccp_pose_aux/configs/clothing4/seg_only.py',
    ):
        hooks = Config.fromfile(str(REPO / name)).default_hooks
        assert (hooks.checkpoint.type, hooks.rng_state.type, hooks.nonfinite, hooks.preemption.type) == (
            'AtomicCheckpointHook',
            'RNGStateHook',
            dict(type='NonFiniteLossHook', on_nonfinite='stop'),
            'PreemptionCheckpointHook',
        ), name
    cfg = Config(dict(default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=5), rng_state=None)))
    assert drop_disabled_hooks(cfg) == ['default_hooks.rng_state turned off']
    assert cfg.default_hooks == dict(checkpoint=dict(type='CheckpointHook', interval=5))  # nothing added


@pytest.fixture
def train_main():
    """tools/train.py's main(); restores torch's global determinism flag that the runs switch on."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield load_tool('tools/train.py').main
    torch.use_deterministic_algorithms(deterministic)


def test_the_iteration_a_signal_stops_is_saved_once_whatever_the_schedule(
    tmp_path, synthetic_dresscode, train_main, monkeypatch
):
    """PreemptionCheckpointHook only asks the loop to stop; AtomicCheckpointHook saves that iteration unless its
    own schedule (interval from save_begin, save_last) saves it anyway -- and never twice. It does not reach
    into the checkpoint hook: with mmengine's plain CheckpointHook only the schedule saves."""
    saves = []
    real_save = Runner.save_checkpoint

    def counting_save(runner, out_dir, filename, *args, **kwargs):
        saves.append(filename)
        return real_save(runner, out_dir, filename, *args, **kwargs)

    monkeypatch.setattr(Runner, 'save_checkpoint', counting_save)
    hooks = "default_hooks['preemption'] = dict(type='PreemptionCheckpointHook')\n"

    # interval 2 from save_begin 3 saves 3, 5, 7, ...: a stop after iteration 2 must be saved by the stop
    begin = tiny_config(
        tmp_path / 'begin.py',
        synthetic_dresscode,
        max_iters=10,
        extra=hooks
        + """
default_hooks['checkpoint'].update(interval=2, save_begin=3)
custom_hooks = [dict(type='SignalAtIterHook', at_iter=2)]""",
    )
    assert train_main([str(begin), '--work-dir', str(tmp_path / 'begin')]) == 143
    assert saves == ['iter_2.pth'] and (tmp_path / 'begin' / 'iter_2.pth').is_file()
    assert (tmp_path / 'begin' / 'last_checkpoint').read_text() == str(tmp_path / 'begin' / 'iter_2.pth')

    # stopped at the last iteration, which save_last saves: one save, not a second one for the stop
    saves.clear()
    last = tiny_config(
        tmp_path / 'last.py',
        synthetic_dresscode,
        max_iters=3,
        extra=hooks
        + """
default_hooks['checkpoint'].update(interval=100)
custom_hooks = [dict(type='SignalAtIterHook', at_iter=3)]""",
    )
    assert train_main([str(last), '--work-dir', str(tmp_path / 'last')]) == 143
    assert saves == ['iter_3.pth']

    # mmengine's own CheckpointHook saves on its schedule only: nothing of a stop after iteration 3
    saves.clear()
    plain = tiny_config(
        tmp_path / 'plain.py',
        synthetic_dresscode,
        max_iters=10,
        extra=hooks
        + """
default_hooks['checkpoint'] = dict(type='CheckpointHook', by_epoch=False, interval=2)
custom_hooks = [dict(type='SignalAtIterHook', at_iter=3)]""",
    )
    assert train_main([str(plain), '--work-dir', str(tmp_path / 'plain')]) == 143
    assert saves == ['iter_2.pth']
    log = next((tmp_path / 'plain').glob('*/*.log')).read_text()
    assert 'stopping after iteration 3 without a checkpoint of it: CheckpointHook saves only on its schedule' in log


def test_atomic_checkpoint_hook_reorders_saving_only_on_the_mmengine_it_mirrors(tmp_path, monkeypatch):
    """Its saving re-implements a private mmengine 0.10.7 method: another mmengine gets mmengine's own saving."""
    from types import SimpleNamespace

    from mmengine.hooks import CheckpointHook

    from mmext.engine.hooks import AtomicCheckpointHook, mirrors_installed_mmengine

    assert mirrors_installed_mmengine()  # the pinned mmengine; a new one fails here until the hook is re-checked
    assert AtomicCheckpointHook(interval=1).reorders_saving
    called = []

    def another_mmengines_method(self, runner, step, meta):
        called.append(step)

    monkeypatch.setattr(CheckpointHook, '_save_checkpoint_with_step', another_mmengines_method)
    assert not mirrors_installed_mmengine()
    hook = AtomicCheckpointHook(interval=1)
    assert not hook.reorders_saving
    hook.out_dir = str(tmp_path)
    hook._save_checkpoint_with_step(SimpleNamespace(), 4, dict(iter=4))
    assert called == [4]  # mmengine's own method, not the mirrored one
