#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The five-minute check of a GPU node, before a long job: does the cluster path work here?

Run it as ``bash tools/misc/gpu_smoke.sh`` (the repository's venv). On synthetic Dress Code data with the
quickstart model (TopFormer-B + landmark and skeleton heads, SyncBN across GPUs), 2 persistent loader workers
per process:

  environment     tools/misc/print_env.py, the GPUs torch sees and whether this torch build can run on them
  data            a small synthetic Dress Code set
  train, 1 GPU    ITERS iterations with tools/train.py
  train, N GPUs   ITERS iterations on every visible GPU with tools/dist_train.sh (NCCL, DDP, SyncBN)
  SIGTERM         a run on every GPU whose whole process group gets SIGTERM (as torchrun and Slurm send it):
                  it must save a checkpoint of the iteration it stops after, with exit status 143
  --resume        continues that run for 2 iterations
  tools/test.py   tests the resumed checkpoint
  ONNX export     tools/deployment/export_onnx.py on it, checked in ONNX Runtime

One line per step, PASSED / FAILED / SKIPPED, each step's output in OUT/<step>.log, and OUT/gpu_smoke.json.
Exit status 1 if a step failed. On a machine without a usable CUDA GPU it says so, runs the CPU subset (data,
the SIGTERM run on the CPU, --resume, test, export) and exits 0 when that passes.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import os.path as osp
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Callable, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(REPO, 'configs/quickstart/topformer_b_dresscode_cpu.py')


def load_tool(relative: str):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(relative))[0] + '_tool', osp.join(REPO, relative)
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Smoke:
    """Runs the steps, prints one line each and keeps the record for the JSON file."""

    def __init__(self, out: str):
        self.out = out
        self.steps: List[dict] = []

    def log_path(self, name: str) -> str:
        return osp.join(self.out, re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_') + '.log')

    def skip(self, name: str, why: str) -> None:
        self.steps.append(dict(name=name, status='SKIPPED', seconds=0.0, detail=why))
        print(f'[SKIPPED] {name}: {why}', flush=True)

    def run(self, name: str, step: Callable[[str], Optional[str]]) -> bool:
        """``step(log_path)`` returns a detail line, or raises (AssertionError: a failed check) -> FAILED."""
        start = time.time()
        try:
            detail, status = step(self.log_path(name)) or '', 'PASSED'
        except Exception as error:  # noqa: BLE001 -- every failure is reported, the next steps still run
            detail, status = f'{type(error).__name__}: {error}', 'FAILED'
        seconds = time.time() - start
        self.steps.append(
            dict(name=name, status=status, seconds=round(seconds, 1), detail=detail, log=self.log_path(name))
        )
        print(f'[{status}] {name} ({seconds:.0f} s){": " + detail if detail else ""}', flush=True)
        return status == 'PASSED'

    def passed(self, name: str) -> bool:
        return any(s['name'] == name and s['status'] == 'PASSED' for s in self.steps)


def in_process(log: str, function: Callable[[], int]) -> int:
    """Run a tool's main() here (one import of the stack for several steps), its output into ``log``."""
    with open(log, 'a') as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        try:
            return function()
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else 1


def command(log: str, args: List[str], env: Optional[dict] = None, timeout: float = 600) -> int:
    with open(log, 'a') as f:
        f.write('$ ' + ' '.join(args) + '\n')
        f.flush()
        return subprocess.run(
            args,
            cwd=REPO,
            stdout=f,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            env=dict(os.environ, PYTHONUNBUFFERED='1', **(env or {})),
        ).returncode


def read(path: str) -> str:
    with open(path) as f:
        return f.read()


def write_config(path: str, data_root: str, iters: int, batch_size: int) -> None:
    with open(path, 'w') as f:
        f.write(f"""# gpu_smoke.py: the quickstart model on the smoke test's synthetic data.
_base_ = [{QUICKSTART!r}]
train_dataloader = dict(batch_size={batch_size}, num_workers=2, persistent_workers=True,
                        dataset=dict(data_root={data_root!r}))
val_dataloader = dict(num_workers=1, dataset=dict(data_root={data_root!r}))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={iters}, val_interval=100000)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=10, max_keep_ckpts=2))
randomness = dict(seed=0)
# No fixed name: several runs share this process, and the visualizer is a per-name singleton.
visualizer = dict(type='SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')], _delete_=True)
""")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', help='work folder (default: work_dirs/gpu_smoke/<time>)')
    parser.add_argument('--iters', type=int, help='training iterations per run (default: 20 on GPUs, 4 on the CPU)')
    parser.add_argument('--gpus', type=int, help='GPUs of the multi-GPU steps (default: every visible one)')
    args = parser.parse_args(argv)
    out = osp.abspath(args.out or osp.join(REPO, 'work_dirs', 'gpu_smoke', time.strftime('%Y%m%d_%H%M%S')))
    os.makedirs(out, exist_ok=True)
    for earlier in ('one_gpu', 'all_gpus', 'preempted', 'test'):  # a run before into the same folder (data is kept)
        shutil.rmtree(osp.join(out, earlier), ignore_errors=True)
    for name in os.listdir(out):
        if name.endswith('.log'):
            os.remove(osp.join(out, name))
    smoke = Smoke(out)
    started = time.time()

    import torch

    cuda = torch.cuda.is_available()
    gpus = (args.gpus or torch.cuda.device_count()) if cuda else 0
    iters = args.iters or (20 if cuda else 4)
    machine = dict(
        host=platform.node(),
        python=platform.python_version(),
        torch=torch.__version__,
        torch_cuda=torch.version.cuda,
        cuda_available=cuda,
        gpus=gpus,
        gpu_names=[torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else [],
    )
    print(
        f'gpu_smoke: {"%d GPU(s): %s" % (gpus, ", ".join(machine["gpu_names"])) if cuda else "no CUDA GPU here"};'
        f' torch {torch.__version__}; work folder {out}',
        flush=True,
    )
    if not cuda:
        print(
            'gpu_smoke: running the CPU subset (data, SIGTERM to a training process group, --resume, '
            'tools/test.py, ONNX export); the GPU steps are SKIPPED',
            flush=True,
        )

    def environment(log):
        from mmext.utils.gpu_check import check_cuda_usable, visible_nvidia_gpus

        sys_argv, sys.argv = sys.argv, ['print_env.py']
        try:
            in_process(log, load_tool('tools/misc/print_env.py').main)
        finally:
            sys.argv = sys_argv
        machine['nvidia'] = visible_nvidia_gpus()
        if cuda:
            machine['arch_list'] = torch.cuda.get_arch_list()
            machine['capabilities'] = [list(torch.cuda.get_device_capability(i)) for i in range(gpus)]
        check_cuda_usable(allow_cpu=False)  # GPUs visible but unusable, or without kernels in this build: fails
        return (
            f'{gpus} GPU(s), arch list {" ".join(machine["arch_list"])}'
            if cuda
            else f'CPU only{"; NVIDIA GPUs visible: " + machine["nvidia"] if machine["nvidia"] else ""}'
        )

    smoke.run('environment', environment)

    data_root = osp.join(out, 'data')
    config = osp.join(out, 'smoke_config.py')

    def data(log):
        if not osp.isdir(data_root):
            generator = load_tool('tools/misc/make_synthetic_dresscode.py')
            size = '256x192' if cuda else '128x96'
            assert (
                in_process(
                    log,
                    lambda: generator.main(
                        ['--out', data_root, '--num', '8' if cuda else '4', '--size', size, '--seed', '0']
                    ),
                )
                == 0
            ), f'see {log}'
        write_config(config, data_root, iters, batch_size=2)
        return f'{data_root}; config {config}'

    if not smoke.run('data', data):
        return finish(smoke, machine, out, started)

    python = sys.executable
    train_tool = osp.join(REPO, 'tools/train.py')

    def train_one_gpu(log):
        work = osp.join(out, 'one_gpu')
        rc = command(
            log,
            [python, train_tool, config, '--work-dir', work],
            env=dict(CUDA_VISIBLE_DEVICES=str(os.environ.get('CUDA_VISIBLE_DEVICES', '0').split(',')[0])),
        )
        assert rc == 0, f'exit status {rc}; see {log}'
        assert osp.isfile(osp.join(work, f'iter_{iters}.pth')), f'no iter_{iters}.pth; see {log}'
        return f'{iters} iterations'

    def train_all_gpus(log):
        work = osp.join(out, 'all_gpus')
        rc = command(
            log,
            ['bash', 'tools/dist_train.sh', config, str(gpus), '--work-dir', work],
            env=dict(PYTHON=python, PORT=str(free_port())),
        )
        assert rc == 0, f'exit status {rc}; see {log}'
        assert osp.isfile(osp.join(work, f'iter_{iters}.pth')), f'no iter_{iters}.pth; see {log}'
        return f'{iters} iterations on {gpus} processes (dist_train.sh)'

    if cuda:
        smoke.run('train, 1 GPU', train_one_gpu)
        smoke.run(f'train, {gpus} GPUs', train_all_gpus)
    else:
        smoke.skip('train, 1 GPU', 'no GPU (the SIGTERM step trains on the CPU)')
        smoke.skip('train, all GPUs', 'no GPU (tests/test_resume.py runs 2 gloo processes)')

    preempted = osp.join(out, 'preempted')
    stopped = {}
    launch = ['bash', 'tools/dist_train.sh', config, str(gpus)] if cuda else [python, train_tool, config]

    def sigterm(log):
        wait_for = 5 if cuda else 2
        with open(log, 'a') as f:
            process = subprocess.Popen(
                launch + ['--work-dir', preempted, '--cfg-options', 'train_cfg.max_iters=1000'],
                cwd=REPO,
                stdout=f,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=dict(os.environ, PYTHONUNBUFFERED='1', PYTHON=python, PORT=str(free_port())),
            )
        deadline = time.time() + 300
        try:
            while time.time() < deadline and process.poll() is None:
                if re.search(rf'Iter\(train\) \[\s*{wait_for}/1000\]', read(log)):
                    os.killpg(process.pid, signal.SIGTERM)  # every process of the job: ranks, loader workers
                    break
                time.sleep(0.2)
            else:
                raise AssertionError(f'the run never reached iteration {wait_for}; see {log}')
            rc = process.wait(timeout=150)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        text = read(log)
        found = re.search(r'Training stopped by a signal after iteration (\d+)', text)
        assert found, f'no "Training stopped by a signal" (exit status {rc}); see {log}'
        assert 'killed by signal' not in text and 'exited unexpectedly' not in text, f'a loader worker died; see {log}'
        step = stopped['iter'] = int(found.group(1))
        checkpoint = osp.join(preempted, f'iter_{step}.pth')
        assert read(osp.join(preempted, 'last_checkpoint')).strip() == checkpoint, f'last_checkpoint; see {log}'
        # train.py exits with 143; torchrun, itself stopped by the signal, reports a failure of its own
        assert rc == 143 or (cuda and rc != 0), f'exit status {rc}; see {log}'
        return f'stopped after iteration {step}, checkpoint saved, exit status {rc}'

    smoke.run('SIGTERM to the process group', sigterm)

    def resume(log):
        assert 'iter' in stopped, 'the SIGTERM step saved nothing to resume from'
        end = stopped['iter'] + 2
        options = ['--work-dir', preempted, '--resume', '--cfg-options', f'train_cfg.max_iters={end}']
        if cuda:
            rc = command(log, launch + options, env=dict(PYTHON=python, PORT=str(free_port())))
        else:
            rc = in_process(log, lambda: load_tool('tools/train.py').main([config] + options))
        assert rc == 0, f'exit status {rc}; see {log}'
        assert osp.isfile(osp.join(preempted, f'iter_{end}.pth')), f'no iter_{end}.pth; see {log}'
        logs = [read(p) for p in sorted(glob_logs(preempted))]
        assert any(f'restoring the random generator states of iteration {stopped["iter"]}' in t for t in logs), (
            'RNGStateHook did not restore the generators'
        )
        stopped['final'] = osp.join(preempted, f'iter_{end}.pth')
        return f'iterations {stopped["iter"] + 1}-{end}, generator states restored'

    smoke.run('--resume', resume)

    def test(log):
        assert 'final' in stopped, 'no resumed checkpoint'
        metrics = osp.join(out, 'test', 'metrics.json')
        rc = in_process(
            log,
            lambda: load_tool('tools/test.py').main(
                [config, stopped['final'], '--work-dir', osp.join(out, 'test'), '--metrics-out', metrics]
            ),
        )
        assert rc == 0, f'exit status {rc}; see {log}'
        values = json.loads(read(metrics))
        assert 'mIoU' in values, values
        return f'mIoU {values["mIoU"]:.1f} (a few iterations: a check, not a result)'

    smoke.run('tools/test.py', test)

    def onnx(log):
        assert 'final' in stopped, 'no resumed checkpoint'
        path = osp.join(out, 'model.onnx')
        rc = in_process(
            log,
            lambda: load_tool('tools/deployment/export_onnx.py').main(
                [config, stopped['final'], '--out', path, '--shape', '256', '192']
            ),
        )
        assert rc == 0 and osp.isfile(path), f'exit status {rc}; see {log}'
        return f'{path} ({osp.getsize(path) / 2**20:.1f} MB), checked in ONNX Runtime'

    smoke.run('ONNX export', onnx)
    return finish(smoke, machine, out, started)


def glob_logs(work_dir: str) -> List[str]:
    import glob

    return glob.glob(osp.join(work_dir, '*', '*.log'))


def finish(smoke: Smoke, machine: dict, out: str, started: float) -> int:
    from mmext.utils.machine import provenance

    failed = [s['name'] for s in smoke.steps if s['status'] == 'FAILED']
    record = provenance(repo=REPO)  # + the CPU model, threads and package versions; the code commit; the command line
    report = dict(
        machine=dict(record['machine'], **machine),
        mode='gpu' if machine['cuda_available'] else 'cpu subset',
        seconds=round(time.time() - started, 1),
        passed=not failed,
        steps=smoke.steps,
        code=record['code'],
        command=record['command'],
    )
    path = osp.join(out, 'gpu_smoke.json')
    with open(path, 'w') as f:
        json.dump(report, f, indent=2)
    summary = (
        f'{len(failed)} step(s) FAILED: {", ".join(failed)}'
        if failed
        else 'all steps PASSED'
        if machine['cuda_available']
        else 'the CPU subset PASSED (no CUDA GPU here: the GPU steps did not run)'
    )
    print(f'gpu_smoke: {summary} in {report["seconds"]:.0f} s; report {path}', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
