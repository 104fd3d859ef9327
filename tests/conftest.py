"""Shared fixtures: paths to ../shared, a small synthetic Dress Code set, and a tool runner."""
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get('MMEXT_SHARED', REPO.parent / 'shared'))


def shared_file(relative: str) -> Path:
    """A file under ../shared, or skip the test saying which file is missing."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f'{path} is not available (tests read reference data from ../shared)')
    return path


def run_tool(args: List[str], timeout: float = 600, env: Optional[dict] = None,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python <args>`` from the repository root; on unexpected failure show the output."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    result = subprocess.run([sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f'{args} exited with {result.returncode}\n--- stdout\n{result.stdout[-6000:]}\n'
                             f'--- stderr\n{result.stderr[-6000:]}')
    return result


@pytest.fixture(scope='session')
def synthetic_dresscode(tmp_path_factory) -> Path:
    """10 photos per category at 128 x 96, written by the synthetic generator (seed 0)."""
    from mmext.datasets.dresscode_meta import CATEGORIES
    from mmext.datasets.synthetic_dresscode import generate_sample, make_dirs, write_pair_lists
    root = tmp_path_factory.mktemp('dresscode')
    make_dirs(str(root), CATEGORIES)
    for category in CATEGORIES:
        ids = [generate_sample(str(root), category, i, seed=0, size_hw=(128, 96)) for i in range(10)]
        write_pair_lists(str(root), category, ids, seed=0)
    return root


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
            dict(type='GenerateLandmarkHeatmaps', stride=4), dict(type='GenerateLimbMaps', stride=4, width=3.0),
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
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=PARSING_CLASSES, palette=PARSING_PALETTE))), path)
    return path
