# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""What a multi-GPU cluster does differently from this CPU machine, simulated on the CPU.

No GPU exists here, and every distributed test elsewhere runs gloo on CPU tensors, which hides the rules a GPU
job lives by. These tests put them back:

* mmengine resumes with ``map_location`` = the GPU: the checkpoint's tensors arrive off the CPU. The ``meta``
  device stands in (it holds no data at all, so whatever must reach NumPy or the CPU generators cannot be a
  tensor), and torch's lazy-tensor device (TorchScript backend, data computed on the CPU) where a non-CPU
  device with data is needed.
* NCCL has no CPU backend: its all-reduce refuses CPU tensors ("No backend type associated with device type
  cpu"). A stand-in all-reduce with that rule, on a simulated 2-rank group.
* CUDA keeps one generator per device and a process sees only the devices it is given.
* torchrun and Slurm signal the whole process group, data loader workers included.
* SyncBN: every BN of a multi-GPU config must normalise over all GPUs.
* DDP lays out its gradient buckets like the parameters it is built with.
"""

import copy
import glob
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.distributed as torch_dist
from conftest import REPO
from faults import SUBPROCESS_ENV, tiny_config
from mmengine.config import Config
from mmengine.logging import MessageHub
from test_resume import load_tool, logged_losses, wait_for_a_new_log_dir_name

import mmext  # noqa: F401
from mmext.engine.hooks import (
    NonFiniteLossError,
    NonFiniteLossHook,
    PreemptionCheckpointHook,
    RNGStateHook,
    capture_rng_state,
    restore_rng_state,
)


def draws():
    """The next numbers of Python's, NumPy's and torch's global generators."""
    return random.random(), float(np.random.rand()), torch.rand(3).tolist()


@pytest.fixture
def train_main():
    """tools/train.py's main(); restores torch's global determinism flag that the runs switch on."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield load_tool('tools/train.py').main
    torch.use_deterministic_algorithms(deterministic)


@pytest.fixture(scope='module')
def device_with_data() -> torch.device:
    """A non-CPU device whose tensors hold data, standing in for CUDA: torch's lazy-tensor device."""
    import torch._lazy.ts_backend

    torch._lazy.ts_backend.init()
    return torch.device('lazy')


class StubRunner:
    """What the hooks use of mmengine's Runner (hashable and weakly referenceable, like the Runner)."""

    def __init__(self, **attributes):
        self.__dict__.update(attributes)


def stub_runner(name: str, hooks=(), iteration: int = 0) -> StubRunner:
    return StubRunner(
        iter=iteration,
        hooks=list(hooks),
        train_loop=SimpleNamespace(stop_training=False),
        logger=logging.getLogger(f'test_gpu_semantics.{name}'),
        optim_wrapper=object(),
        message_hub=MessageHub.get_instance(f'test_gpu_semantics.{name}'),
    )


# --- resume on a GPU: the checkpoint arrives on the device --------------------------------------------------------


@pytest.fixture(scope='module')
def short_run(tmp_path_factory, synthetic_dresscode):
    """A real 2-iteration run of the tiny config; returns the config and its checkpoint iter_2.pth."""
    root = tmp_path_factory.mktemp('short_run')
    config = tiny_config(root / 'cfg.py', synthetic_dresscode, max_iters=2)
    deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        assert load_tool('tools/train.py').main([str(config), '--work-dir', str(root / 'work')]) == 0
    finally:
        torch.use_deterministic_algorithms(deterministic)
    return config, root / 'work' / 'iter_2.pth'


def test_a_checkpoint_resumes_from_a_device_other_than_the_cpu(short_run, tmp_path):
    from mmext.utils.runner_builder import build_runner

    config, path = short_run
    on_cpu = torch.load(path, map_location='cpu')
    on_meta = torch.load(path, map_location='meta')  # weights_only=True, as mmengine's resume loads it
    assert on_meta['state_dict']['decode_head.conv_seg.weight'].is_meta  # the tensors really went elsewhere

    cfg = Config.fromfile(str(config))
    cfg.launcher, cfg.work_dir = 'none', str(tmp_path / 'resumed')
    runner = build_runner(cfg)
    # As far as the CPU allows: meta weights and optimizer moments hold no data (mmengine warns about the weights;
    # the optimizer is left out), everything else is resumed.
    runner.resume(str(path), resume_optimizer=False, map_location='meta')
    assert runner.iter == 2
    history = on_cpu['message_hub']['log_scalars']
    assert 'train/loss' in history
    for key, buffer in history.items():  # the message hub's history, rebuilt from the meta load
        assert all(np.array_equal(a, b) for a, b in zip(runner.message_hub.get_scalar(key).data, buffer.data)), key
    assert [s.state_dict() for s in runner.param_schedulers] == on_cpu['param_schedulers']

    # The generator states: restored right after the data loader replay, as in the uninterrupted run.
    rng_hook = next(h for h in runner.hooks if isinstance(h, RNGStateHook))
    runner.train_loop.dataloader_iterator = iter(range(10))  # the replay itself is not what is checked here
    rng_hook.before_train_epoch(runner)
    for _ in range(3):  # the 2 replayed batches; the states are put back before the third
        next(runner.train_loop.dataloader_iterator)
    resumed = draws()
    restore_rng_state(on_cpu['rng_states'][0])
    assert resumed == draws()


def test_generator_states_that_cannot_be_restored_stop_the_resume_when_loaded():
    """Not after the data loader has been replayed up to the resume iteration (hours, on a long run)."""
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    older_format = dict(
        python=random.getstate(),
        numpy=(name, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss),
        torch=torch.get_rng_state(),
    )
    without_data = dict(
        older_format,
        numpy=(name, older_format['numpy'][1].to('meta'), pos, has_gauss, gauss),
        torch=older_format['torch'].to('meta'),
    )
    hook = RNGStateHook()
    with pytest.raises(RuntimeError, match='cannot be restored.*meta'):
        hook.after_load_checkpoint(stub_runner('early'), {'rng_states': [without_data]})


def test_restore_rng_state_takes_states_from_any_device(tmp_path, device_with_data):
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    saved = capture_rng_state()
    expected = draws()

    # The stored form, loaded onto another device (mmengine's map_location on a GPU).
    torch.save(saved, tmp_path / 'state.pth')
    restore_rng_state(torch.load(tmp_path / 'state.pth', map_location='meta'))
    assert draws() == expected

    # Checkpoints written before: NumPy's keys and torch's state as tensors, here on a non-CPU device with data.
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    older_format = dict(
        python=random.getstate(),
        numpy=(name, torch.from_numpy(keys.astype(np.int64)).to(device_with_data), pos, has_gauss, gauss),
        torch=torch.get_rng_state().to(device_with_data),
    )
    random.seed(2)
    np.random.seed(2)
    torch.manual_seed(2)
    restore_rng_state(older_format)
    assert draws() == expected


def test_only_the_current_cuda_device_generator_is_saved_and_restored(monkeypatch):
    """A process draws from its own device's CUDA generator. Its state is saved alone and restored onto the
    current device, also where the resumed process sees other device numbers (CUDA_VISIBLE_DEVICES)."""
    states = {index: torch.full((16,), index, dtype=torch.uint8) for index in range(8)}  # per device
    process = dict(device=3, count=8)  # this process: cuda:3 of 8
    restored = []

    def device_index(device) -> int:
        if isinstance(device, int):
            return device
        device = torch.device(device)
        return process['device'] if device.index is None else device.index

    def set_rng_state(new_state, device='cuda'):
        # torch.cuda.set_rng_state's rules: a CPU ByteTensor, for a device this process has
        if new_state.device.type != 'cpu' or new_state.dtype != torch.uint8:
            raise TypeError('RNG state must be a torch.ByteTensor')
        index = device_index(device)
        if index >= process['count']:
            raise IndexError('list index out of range')  # torch.cuda.default_generators[index]
        restored.append((index, new_state.tolist()))

    def set_rng_state_all(new_states):
        for index, state in enumerate(new_states):
            set_rng_state(state, index)

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_initialized', lambda: True)
    monkeypatch.setattr(torch.cuda, 'current_device', lambda: process['device'])
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: process['count'])
    monkeypatch.setattr(torch.cuda, 'get_rng_state', lambda device='cuda': states[device_index(device)].clone())
    monkeypatch.setattr(torch.cuda, 'get_rng_state_all', lambda: [states[i].clone() for i in range(process['count'])])
    monkeypatch.setattr(torch.cuda, 'set_rng_state', set_rng_state)
    monkeypatch.setattr(torch.cuda, 'set_rng_state_all', set_rng_state_all)

    saved = capture_rng_state()
    process.update(device=0, count=1)  # resumed where the job sees only its own GPU
    restore_rng_state(saved)
    assert restored == [(0, states[3].tolist())]

    # A checkpoint of the older format (every visible device's state) restores the current device's entry.
    restored.clear()
    process.update(device=3, count=8)
    restore_rng_state(dict(saved, cuda=[states[i].clone() for i in range(8)]))
    assert restored == [(3, states[3].tolist())]


# --- the per-iteration collectives under NCCL's device rule -------------------------------------------------------


class NcclLikeGroup:
    """A 2-rank process group seen from rank 0, whose all-reduce follows NCCL's rule: tensors on the
    communication device only. ``peer`` gives rank 1's tensor for each call."""

    def __init__(self, device: torch.device):
        self.device = device
        self.calls = []
        self.peer = lambda length, op: torch.zeros(length, dtype=torch.int64)

    def all_reduce(self, tensor, op=torch_dist.ReduceOp.SUM, group=None, async_op=False):
        if tensor.device.type != self.device.type:
            raise RuntimeError(f'No backend type associated with device type {tensor.device.type}')
        self.calls.append((tensor.device, tensor.numel(), op))
        mine, theirs = tensor.cpu(), self.peer(tensor.numel(), op).to(tensor.dtype)
        if op == torch_dist.ReduceOp.MAX:
            reduced = torch.maximum(mine, theirs)
        elif op == torch_dist.ReduceOp.MIN:
            reduced = torch.minimum(mine, theirs)
        else:
            reduced = mine + theirs
        tensor.copy_(reduced.to(self.device))


@pytest.fixture
def nccl_group(monkeypatch, device_with_data):
    """Patches torch.distributed (and mmengine's NCCL device lookup, which needs a real GPU) into a 2-rank NCCL
    group whose communication device is ``device_with_data``."""
    import mmengine.dist.dist as mmengine_dist

    group = NcclLikeGroup(device_with_data)
    monkeypatch.setattr(torch_dist, 'is_initialized', lambda: True)
    monkeypatch.setattr(torch_dist, 'get_world_size', lambda group=None: 2)
    monkeypatch.setattr(torch_dist, 'get_rank', lambda group=None: 0)
    monkeypatch.setattr(torch_dist, 'get_backend', lambda group=None: 'nccl')
    monkeypatch.setattr(torch_dist.distributed_c10d, '_get_default_group', lambda: 'the default group')
    monkeypatch.setattr(mmengine_dist, 'get_comm_device', lambda group=None: device_with_data)  # cuda:<local rank>
    monkeypatch.setattr(torch_dist, 'all_reduce', group.all_reduce)
    return group


def test_the_after_iteration_flags_go_through_one_collective_on_the_communication_device(nccl_group):
    nonfinite, preemption = NonFiniteLossHook('stop'), PreemptionCheckpointHook()
    runner = stub_runner('nccl', [nonfinite, preemption])
    flags = dict(nonfinite_loss=0, stop_signal=0)  # rank 1's, in the agreement's (sorted) order
    nccl_group.peer = lambda length, op: torch.tensor(list(flags.values()) if length == 2 else [0])
    for hook in runner.hooks:
        hook.before_train(runner)
    try:
        for iteration in (0, 1):
            if iteration == 1:
                flags['stop_signal'] = 1  # rank 1 is signalled during iteration 2
            runner.iter = iteration
            for hook in runner.hooks:
                hook.after_train_iter(runner, iteration, outputs={'loss': torch.tensor(0.5)})
        # both ranks stop after iteration 2, though only rank 1 was signalled
        assert runner.train_loop.stop_training and preemption.stopped_at == 2
        # one all-reduce per iteration for both hooks, on the communication device
        assert [(device.type, length) for device, length, _ in nccl_group.calls] == [('lazy', 2), ('lazy', 2)]

        # rank 1's loss is NaN: this rank stops too, before anything of the iteration is saved
        flags.update(nonfinite_loss=1, stop_signal=0)
        runner.iter, runner.train_loop.stop_training = 2, False
        with pytest.raises(NonFiniteLossError, match='iteration 3: non-finite on another rank'):
            nonfinite.after_train_iter(runner, 2, outputs={'loss': torch.tensor(0.5)})
    finally:
        for hook in runner.hooks:
            hook.after_train(runner)

    from mmext.engine.optim_wrappers import finite_on_all_ranks  # the skip wrapper's agreement, before the step

    nccl_group.peer = lambda length, op: torch.tensor([0])  # rank 1's loss is not finite
    assert finite_on_all_ranks(torch.tensor(0.5)) is False
    assert nccl_group.calls[-1][0].type == 'lazy'


# --- SIGTERM to the whole process group, as torchrun and Slurm send it ------------------------------------------


def test_sigterm_to_the_process_group_with_persistent_workers_saves_and_resumes_bit_exactly(
    tmp_path, synthetic_dresscode, train_main
):
    config = tiny_config(
        tmp_path / 'workers.py',
        synthetic_dresscode,
        max_iters=100,
        extra="train_dataloader.update(num_workers=2, persistent_workers=True)\n"
        "default_hooks['preemption'] = dict(type='PreemptionCheckpointHook')",
    )
    work = tmp_path / 'preempted'
    process = subprocess.Popen(
        [sys.executable, 'tools/train.py', str(config), '--work-dir', str(work)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=dict(os.environ, PYTHONUNBUFFERED='1', **SUBPROCESS_ENV),
    )
    output, deadline = [], time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if re.search(r'Iter\(train\) \[\s*3/100\]', line):
                os.killpg(process.pid, signal.SIGTERM)  # the main process and both loader workers
                break
            if not line and process.poll() is not None:
                break
        rest, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = ''.join(output) + rest
    assert process.returncode == 143, text[-4000:]
    assert 'killed by signal' not in text and 'exited unexpectedly' not in text
    stopped = int(re.search(r'Training stopped by a signal after iteration (\d+)', text).group(1))
    assert 3 <= stopped < 100 and (work / 'last_checkpoint').read_text().strip() == str(work / f'iter_{stopped}.pth')

    end = f'train_cfg.max_iters={stopped + 2}'
    wait_for_a_new_log_dir_name(work)
    assert train_main([str(config), '--work-dir', str(work), '--resume', '--cfg-options', end]) == 0
    reference = tmp_path / 'reference'
    wait_for_a_new_log_dir_name(work)  # in one process, runs started in the same second share mmengine's logger
    assert train_main([str(config), '--work-dir', str(reference), '--cfg-options', end]) == 0
    (before, after), (uninterrupted,) = logged_losses(work), logged_losses(reference)
    assert sorted(after) == [stopped + 1, stopped + 2]
    assert all(after[i] == uninterrupted[i] for i in after), (after, uninterrupted)
    assert all(before[i] == uninterrupted[i] for i in range(1, stopped + 1))
    resumed, full = (torch.load(w / f'iter_{stopped + 2}.pth')['state_dict'] for w in (work, reference))
    assert all(torch.equal(resumed[key], value) for key, value in full.items())


def _write_marker(path: str, worker_id: int) -> None:
    with open(path, 'w') as f:
        f.write(str(worker_id))


def test_loader_workers_ignore_slurms_stop_signals_and_run_the_chained_init(tmp_path):
    import multiprocessing
    from functools import partial

    from mmext.engine.runner import LeaveStopSignalsToMainProcess

    marker = tmp_path / 'worker_init_ran'
    main_exiting = multiprocessing.get_context('fork').RawValue('b', 0)
    init = LeaveStopSignalsToMainProcess(partial(_write_marker, str(marker)), main_exiting=main_exiting)
    pid = os.fork()
    if pid == 0:  # a stand-in for a data loader worker
        try:
            init(1)
            os.kill(os.getpid(), signal.SIGTERM)  # torchrun's killpg, Slurm's preemption
            os.kill(os.getpid(), signal.SIGUSR1)  # sbatch --signal=USR1@180
            time.sleep(60)  # serving batches, until the main process exits
        finally:
            os._exit(3)
    time.sleep(1.0)
    assert os.waitpid(pid, os.WNOHANG) == (0, 0)  # alive after both signals
    main_exiting.value = 1  # what the main process does as it exits: the worker leaves (it polls every 0.5 s)
    deadline = time.monotonic() + 20
    while (finished := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    status = finished[1] if finished[0] else os.kill(pid, signal.SIGKILL) or os.waitpid(pid, 0)[1]
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and marker.read_text() == '1'


def test_sigusr1_stops_training_like_sigterm():
    hook = PreemptionCheckpointHook()
    runner = stub_runner('usr1', [hook], iteration=4)
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: None)  # SIGUSR1's default action ends the process
    try:
        hook.before_train(runner)
        os.kill(os.getpid(), signal.SIGUSR1)  # Slurm's --signal=USR1@180
        hook.after_train_iter(runner, 4)
    finally:
        hook.after_train(runner)
        signal.signal(signal.SIGUSR1, previous)
    assert runner.train_loop.stop_training and hook.stopped_at == 5


# --- SyncBN in every multi-GPU config ------------------------------------------------------------------------------


def multi_gpu_configs():
    """Configs whose names say N GPUs x M images (``8xb2``), and the Dress Code configs written for 8 x 2 -- timm
    encoders included (SERNet-Former's, DeepLabV3+ with timm's MobileNetV3: TimmEncoder with SyncBN)."""
    names = [
        f
        for f in glob.glob('configs/**/*.py', recursive=True) + glob.glob('projects/*/configs/*.py')
        if re.search(r'\d+xb\d+', os.path.basename(f))
    ]
    names += ['configs/topformer_pose_aux.py'] + glob.glob('configs/ablations/dresscode_aux/*.py')
    return sorted(names)


def test_the_multi_gpu_configs_are_found():
    configs = multi_gpu_configs()
    assert len(configs) >= 40 and 'configs/topformer_pose_aux.py' in configs
    assert any('u2net_full' in c for c in configs) and any('u2net_small' in c for c in configs)


@pytest.mark.parametrize('config', multi_gpu_configs(), ids=str)
def test_every_bn_that_normalises_over_the_batch_is_syncbn(config):
    """On 8 GPUs x 2 images a per-GPU BN normalises over 2 images. BN kept in eval mode while training
    (``norm_eval=True``, e.g. Mask R-CNN's frozen backbone statistics) uses no batch statistics and may stay BN."""
    from mmengine.registry import MODELS, init_default_scope

    cfg = Config.fromfile(str(REPO / config))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    try:
        with torch.device('meta'):  # no weight initialisation: fast
            model = MODELS.build(cfg.model)
    except (RuntimeError, NotImplementedError):  # a model that reads values while it is built
        model = MODELS.build(cfg.model)
    model.train()
    batch_norms = {name: m for name, m in model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}
    per_gpu = [name for name, m in batch_norms.items() if m.training and not isinstance(m, torch.nn.SyncBatchNorm)]
    assert not per_gpu, f'{len(per_gpu)} of {len(batch_norms)} BN layers normalise per GPU: {per_gpu[:5]}'


# One config per kind of network (TopFormer + auxiliary heads, SERNet-Former's gated timm encoders, timm's fused
# BN + activation in MobileNetV3 and EfficientNet-Lite, SERSegFormer's attention, U2Net).
CONVERTED_CONFIGS = [
    'configs/topformer_pose_aux.py',
    'configs/sernet_former/sernet_former_effnet-lite0_8xb2-160k_easyportrait-person-512x512.py',
    'configs/sernet_former/sernet_former_effb0_8xb2-160k_easyportrait-person-512x512.py',
    'configs/deeplabv3plus/deeplabv3plus_timm-mobilenetv3_4xb4-80k_ccp-fashion7-512x512.py',
    'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-afn_8xb2-160k_easyportrait-person-512x512.py',
    'projects/fashion_pixel/configs/u2net_small_8xb2-80k_ccp-person-512x512.py',
]


@pytest.mark.parametrize('config', CONVERTED_CONFIGS, ids=os.path.basename)
def test_converting_a_built_model_between_bn_and_syncbn_changes_nothing_in_eval_mode(config):
    """mmengine reverts SyncBN to BN in a single process (one GPU, the CPU) and converts BN to SyncBN with
    ``sync_bn='torch'``; either replaces every norm module. What hung on those modules (timm's fused activation,
    SERNet-Former's gates) must survive: the eval-mode outputs stay the same."""
    from mmengine.model import convert_sync_batchnorm, revert_sync_batchnorm
    from mmengine.registry import MODELS, init_default_scope

    cfg = Config.fromfile(str(REPO / config))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    for key in ('backbone', 'decode_head'):
        if isinstance(cfg.model.get(key), dict) and cfg.model[key].get('init_cfg'):
            cfg.model[key].init_cfg = None  # no weight files: random weights show the same
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.normal_(0, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    model.eval()
    x = torch.rand(1, cfg.model.get('backbone', {}).get('in_channels', 3), 64, 64)
    with torch.no_grad():
        expected = model(x, mode='tensor')
        reverted = revert_sync_batchnorm(copy.deepcopy(model)).eval()
        converted = convert_sync_batchnorm(copy.deepcopy(reverted), 'torch').eval()
        assert not any(isinstance(m, torch.nn.SyncBatchNorm) for m in reverted.modules())
        assert any(isinstance(m, torch.nn.SyncBatchNorm) for m in converted.modules())
        for other in (reverted, converted):
            torch.testing.assert_close(other(x, mode='tensor'), expected)


# --- DDP's gradient buckets and channels_last ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_channels_last_weights_are_converted_before_ddp_lays_out_its_buckets(
    tmp_path, synthetic_dresscode, monkeypatch
):
    """DDP lays out its gradient buckets like the parameters it is built with. With ``gradient_as_bucket_view``
    the gradients *are* the bucket views, so their strides show that layout; a layout that does not match the
    channels_last weights means a copy of every gradient at every step (and torch's stride warning)."""
    from torch.nn.parallel import DistributedDataParallel

    from mmext.utils.runner_builder import build_runner

    config = tiny_config(
        tmp_path / 'channels_last.py',
        synthetic_dresscode,
        max_iters=1,
        extra="""
custom_hooks = [dict(type='ChannelsLastHook')]
model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                         gradient_as_bucket_view=True)""",
    )
    for key, value in dict(
        MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()), RANK='0', WORLD_SIZE='1', LOCAL_RANK='0'
    ).items():
        monkeypatch.setenv(key, value)
    cfg = Config.fromfile(str(config))
    cfg.launcher, cfg.work_dir = 'pytorch', str(tmp_path / 'work')
    deterministic = torch.are_deterministic_algorithms_enabled()
    checked, mismatched = [], []

    def check_bucket_layout(state, bucket):  # a DDP communication hook, called once a bucket's gradients are in
        for param in bucket.parameters():
            if param.dim() == 4:
                checked.append(tuple(param.shape))
                if param.grad.stride() != param.stride():
                    mismatched.append((tuple(param.shape), param.stride(), param.grad.stride()))
        future = torch.futures.Future()
        future.set_result(bucket.buffer())
        return future

    try:
        runner = build_runner(cfg)
        assert isinstance(runner.model, DistributedDataParallel)
        runner.model.register_comm_hook(None, check_bucket_layout)
        runner.train()
    finally:
        torch.use_deterministic_algorithms(deterministic)
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
    assert checked and not mismatched, f'{len(mismatched)} of {len(checked)} conv weights: {mismatched[:3]}'
    assert all(
        p.is_contiguous(memory_format=torch.channels_last) for p in runner.model.module.parameters() if p.dim() == 4
    )
