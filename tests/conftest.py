# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Shared fixtures: paths to ../shared, a small synthetic Dress Code set, and a tool runner."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get('MMEXT_SHARED', REPO.parent / 'shared'))


@pytest.fixture(autouse=True)
def mmseg_default_scope():
    """Every test starts in mmseg's registry scope, as the tools do: a test that builds mmdet modules
    (``init_default_scope('mmdet')``) must not decide where the next test on the same worker looks."""
    from mmengine.registry import init_default_scope

    init_default_scope('mmseg')


def shared_file(relative: str) -> Path:
    """A file under ../shared, or skip the test saying which file is missing."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f'{path} is not available (tests read reference data from ../shared)')
    return path


def run_tool(
    args: List[str], timeout: float = 600, env: Optional[dict] = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Run ``python <args>`` from the repository root; on unexpected failure show the output."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    result = subprocess.run(
        [sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f'{args} exited with {result.returncode}\n--- stdout\n{result.stdout[-6000:]}\n'
            f'--- stderr\n{result.stderr[-6000:]}'
        )
    return result


@pytest.fixture(scope='session')
def synthetic_dresscode(tmp_path_factory) -> Path:
    """10 photos per category at 128 x 96, written by the synthetic generator (seed 0)."""
    from mmext.datasets.dresscode_meta import CATEGORIES
    from mmext.testing.synthetic_dresscode import generate_sample, make_dirs, write_pair_lists

    root = tmp_path_factory.mktemp('dresscode')
    make_dirs(str(root), CATEGORIES)
    for category in CATEGORIES:
        ids = [generate_sample(str(root), category, i, seed=0, size_hw=(128, 96)) for i in range(10)]
        write_pair_lists(str(root), category, ids, seed=0)
    return root


def randomise_bn_stats(module, bias: float = 0.5) -> None:
    """Non-trivial BatchNorm running statistics and affine parameters (bias uniform in +-``bias``), so that
    eval-mode checks and BN folding really exercise BN."""
    import torch

    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-bias, bias)


# Real CCP images chosen for their labels: 0003 dress (14), 0006 leggings (27), 0024 romper (35),
# 0051 t-shirt (51) and jeans (25).
CCP_STEMS = ('0001', '0003', '0006', '0024', '0051')


@pytest.fixture(scope='session')
def ccp_src(tmp_path_factory):
    """5 real CCP images with their annotations and label_list.mat, copied from ../shared/data/ccp."""
    shared = shared_file('data/ccp/label_list.mat').parent
    src = tmp_path_factory.mktemp('ccp_src')
    (src / 'photos').mkdir()
    (src / 'annotations' / 'pixel-level').mkdir(parents=True)
    shutil.copy(shared / 'label_list.mat', src / 'label_list.mat')
    for stem in CCP_STEMS:
        shutil.copy(shared_file(f'data/ccp/photos/{stem}.jpg'), src / 'photos')
        shutil.copy(shared_file(f'data/ccp/annotations/pixel-level/{stem}.mat'), src / 'annotations' / 'pixel-level')
    return src


@pytest.fixture(scope='session')
def ccp_out(ccp_src, tmp_path_factory):
    """The 5 images converted by the command line tool (seed 0, val fraction 0.2)."""
    out = tmp_path_factory.mktemp('ccp_out') / 'ccp'
    result = run_tool(['tools/dataset_converters/ccp.py', '--src', str(ccp_src), '--out', str(out)])
    assert 'converted 5, skipped existing 0, bad 0' in result.stdout
    assert str(out) in result.stdout
    return out


QUICKSTART_CONFIG = 'configs/quickstart/topformer_b_dresscode_cpu.py'


def tiny_training_config(data_root: Path) -> str:
    """Config text over the quickstart config: the Dress Code set at ``data_root``, 64 x 64 crops without
    augmentation in ``pipeline``; callers add their own ``train_dataloader`` (and loop) lines."""
    return f"""
_base_ = [{str(REPO / QUICKSTART_CONFIG)!r}]
data_root = {str(data_root)!r}
crop_size = (64, 64)
model = dict(data_preprocessor=dict(size=crop_size))
pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='LoadDressCodeKeypoints'),
            dict(type='RandomCrop', crop_size=crop_size),
            dict(type='GenerateLandmarkHeatmaps', encoder=dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)),
            dict(type='GenerateLimbMaps', encoder=dict(type='LimbMapCodec', stride=4, width=3.0)),
            dict(type='PackMultiTaskInputs')]
"""


@pytest.fixture(scope='session')
def quickstart_checkpoint(tmp_path_factory) -> Path:
    """A checkpoint of the quickstart model (TopFormer-B + landmark and skeleton heads), randomly initialised
    (seed 0, mmengine's init_weights), saved the way the Runner saves one (state_dict + meta.dataset_meta)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmext  # noqa: F401
    from mmext.datasets.dresscode_meta import PARSING_CLASSES, PARSING_PALETTE

    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(REPO / QUICKSTART_CONFIG)).model)
    model.init_weights()
    path = tmp_path_factory.mktemp('quickstart_ckpt') / 'iter_0.pth'
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=PARSING_CLASSES, palette=PARSING_PALETTE)),
        ),
        path,
    )
    return path
