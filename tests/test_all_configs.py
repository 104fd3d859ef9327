"""Every config of configs/ and projects/*/configs parses, and its model builds (a stale key or a renamed
type shows up here, not at the start of someone's cluster job)."""
from pathlib import Path

import pytest
from mmengine.config import Config

from conftest import REPO
from mmext.utils.benchmarking import build_inference_segmentor

CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)
CONFIGS += sorted((REPO / 'projects').glob('*/configs/*.py'))


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_builds(path: Path):
    cfg = Config.fromfile(str(path))
    if cfg.get('default_scope', 'mmseg') != 'mmseg':
        pytest.skip(f'{cfg.default_scope} config: built by its own project test')
    model = build_inference_segmentor(cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    for loader in ('train_dataloader', 'val_dataloader'):
        assert cfg[loader].dataset.type and cfg[loader].dataset.pipeline
