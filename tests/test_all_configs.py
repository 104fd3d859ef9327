# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Every config of configs/ and projects/*/configs parses, and its model builds (a stale key or a renamed
type shows up here, not at the start of someone's cluster job); pipelines that load depth resize it bilinearly."""

from pathlib import Path

import pytest
from conftest import REPO
from mmengine.config import Config

from mmext.utils.benchmarking import build_inference_segmentor

CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)
CONFIGS += sorted((REPO / 'projects').glob('*/configs/*.py'))
DEPTH_LOADERS = ('LoadDepthMap', 'EstimateDepth')


def depth_resized_by_nearest(cfg) -> list:
    """Resize steps of the data pipelines that come after a depth loader but are not ``DepthAwareResize``: mmseg's
    ``Resize`` would resize the depth map by nearest neighbour."""
    wrong = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        depth_loaded = False
        for step in cfg[loader].dataset.get('pipeline', []):
            depth_loaded |= step['type'] in DEPTH_LOADERS
            resize_type = {'Resize': 'Resize', 'RandomResize': step.get('resize_type', 'Resize')}.get(step['type'])
            if depth_loaded and resize_type not in (None, 'DepthAwareResize'):
                wrong.append((loader, step['type']))
    return wrong


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_builds(path: Path):
    cfg = Config.fromfile(str(path))
    if cfg.get('default_scope', 'mmseg') != 'mmseg':
        pytest.skip(f'{cfg.default_scope} config: built by its own project test')
    model = build_inference_segmentor(cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    for loader in ('train_dataloader', 'val_dataloader'):
        assert cfg[loader].dataset.type and cfg[loader].dataset.pipeline
    assert not depth_resized_by_nearest(cfg)


def test_cpu_budget_depth_config_resizes_depth_bilinearly():
    cfg = Config.fromfile(
        str(REPO / 'projects' / 'fast_person_segmentation' / 'configs' / 'cpu_budget' / 'convdec_abg_dbn_dam_depth.py')
    )
    assert not depth_resized_by_nearest(cfg)
