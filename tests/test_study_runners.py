# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The CPU-budget study runners of projects/clothing_topformer_vs_u2net, projects/fashion_pixel and
projects/fast_person_segmentation, and the committed CPU-budget configs they train."""

import argparse
import json
import runpy

import pytest
from conftest import REPO, run_tool
from mmengine.config import Config

from mmext.utils.cpu_budget import budget_of

CLOTHING = REPO / 'projects' / 'clothing_topformer_vs_u2net'
FASHION = REPO / 'projects' / 'fashion_pixel'
PERSON = REPO / 'projects' / 'fast_person_segmentation'
CLOTHING_RUNNER = CLOTHING / 'run_cpu_budget.py'
FASHION_RUNNER = FASHION / 'run_cpu_budget.py'
PERSON_RUNNER = PERSON / 'run_study.py'
BUDGET_CONFIGS = sorted(p for project in (CLOTHING, FASHION, PERSON) for p in project.glob('configs/cpu_budget*/*.py'))
CCP_PHOTO_HW = (832, 550)


@pytest.mark.parametrize('path', BUDGET_CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_budget_config_is_its_full_config_cut_to_the_budget(path):
    """CCP data at the training crop -- every crop step, whatever its type -- with the photos scaled like the crop
    (512 -> crop), no pretrained weights, a warm-up over 1/12 of the run then poly decay to its end, one validation
    and one checkpoint at the end."""
    cfg = Config.fromfile(str(path))
    iters, crop = cfg.train_cfg.max_iters, tuple(cfg.model.data_preprocessor.size)
    scale = (CCP_PHOTO_HW[0] * crop[0] // 512, CCP_PHOTO_HW[1] * crop[0] // 512)
    for loader, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'), ('test_dataloader', 'val')):
        dataset = cfg[loader].dataset
        assert set(dataset) == {'type', 'data_root', 'split', 'label_mode', 'pipeline'}
        assert (dataset.type, dataset.data_root, dataset.split) == ('CCPDataset', 'data/ccp', split)
        for step in dataset.pipeline:
            if 'crop_size' in step:
                assert tuple(step.crop_size) == crop, step
            if step.type in ('Resize', 'RandomResize'):
                assert tuple(step.scale) == scale, step
    assert cfg.model.backbone.init_cfg is None
    warmup, decay = cfg.param_scheduler
    assert (warmup.type, warmup.begin, warmup.end) == ('LinearLR', 0, iters // 12)
    assert (decay.type, decay.begin, decay.end) == ('PolyLR', iters // 12, iters)
    assert cfg.train_cfg.val_interval == cfg.default_hooks.checkpoint.interval == iters
    assert cfg.custom_hooks == [dict(type='RunSummaryHook')]


def test_committed_results_name_configs_at_their_recorded_budget():
    """Every trained row of the committed result files has a CPU-budget config that trains at the budget the file
    records, read the way the runners record it."""
    fashion = runpy.run_path(str(FASHION_RUNNER))
    result = json.loads((FASHION / 'results_cpu_budget_800it.json').read_text())
    configs = [Config.fromfile(fashion['config_path'](name)) for name in result['reports']]
    assert fashion['recorded_budget'](configs, argparse.Namespace(num=None)) == result['budget']

    clothing = runpy.run_path(str(CLOTHING_RUNNER))
    for budget in clothing['BUDGETS']:
        result = json.loads((CLOTHING / f'results_cpu_budget_{budget}.json').read_text())
        configs = {name: Config.fromfile(clothing['config_path'](name, budget)) for name in result['rows']}
        assert all(cfg.train_dataloader.dataset.label_mode == 'clothing4' for cfg in configs.values())
        # The 300-iteration file predates the u2netp_iters field: its U2NETP row ran the other rows' iterations.
        expected = dict(result['budget'])
        expected['u2netp_iters'] = expected.get('u2netp_iters') or expected['iters']
        assert clothing['recorded_budget'](configs) == expected

    person = runpy.run_path(str(PERSON_RUNNER))
    result = json.loads((PERSON / 'results_cpu_budget.json').read_text())
    trained = [name for name, row in result['rows'].items() if 'metrics' in row]
    assert len(trained) == 6
    for name in trained:
        cfg = Config.fromfile(person['budget_config'](name))
        assert budget_of(cfg) == result['budget'] and cfg.train_dataloader.dataset.label_mode == 'person'


def test_clothing_lovasz_row_starts_from_this_work_dirs_heavyaug_run(tmp_path):
    runner = runpy.run_path(str(CLOTHING_RUNNER))
    args = argparse.Namespace(
        data_root='data/other', seed=3, cfg_options=['train_cfg.max_iters=2'], work_dir=str(tmp_path), budget='300it'
    )
    options = runner['options_for']('topformer_b_ce', args)
    assert options == [
        f'{loader}.dataset.data_root=data/other' for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ] + ['randomness.seed=3', 'train_cfg.max_iters=2']

    with pytest.raises(SystemExit, match='train topformer_b_ce-dice-heavyaug first'):
        runner['options_for']('topformer_b_lovasz-ft', args)
    start = tmp_path / 'topformer_b_ce-dice-heavyaug'
    start.mkdir()
    (start / 'run_summary.json').write_text(json.dumps(dict(val_metrics={})))
    trained = Config.fromfile(runner['config_path']('topformer_b_ce-dice-heavyaug', '300it'))
    trained.merge_from_dict({'train_cfg.max_iters': 2})
    trained.dump(str(start / 'topformer_b_ce-dice-heavyaug.py'))
    assert runner['options_for']('topformer_b_lovasz-ft', args) == options + [f'load_from={start / "iter_2.pth"}']


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_fashion_pixel_runner_trains_and_reports_every_step(ccp_out, tmp_path, capsys):
    work_dir = tmp_path / 'fashion_pixel'
    arguments = [
        '--data-root',
        str(ccp_out),
        '--work-dir',
        str(work_dir),
        '--variants',
        'topformer_b_person',
        '--num',
        '1',
        '--cfg-options',
        'train_cfg.max_iters=2',
        'train_dataloader.batch_size=2',
    ]
    result = run_tool([str(FASHION_RUNNER), *arguments])
    assert str(work_dir.resolve()) in result.stdout
    assert 'training projects/fashion_pixel/configs/cpu_budget_800it/topformer_b_person.py' in result.stdout

    report = json.loads((work_dir / 'results.json').read_text())
    assert report['budget'] == dict(
        iters=2, batch_size=2, crop=256, lr=0.001, sgd_lr=None, seed=0, data_root=str(ccp_out), num=1
    )
    effect = report['reports']['topformer_b_person']
    assert effect['num_images'] == 1 and effect['chain'] == ['crf', 'small_regions', 'superpixel']
    results = effect['results']
    assert list(results) == ['none', 'crf', 'small_regions', 'superpixel', 'all']
    for variant, row in results.items():
        assert 0 <= row['mIoU'] <= 100
        assert row['delta_mIoU'] == pytest.approx(row['mIoU'] - results['none']['mIoU'], abs=0.01)
        assert (row['added_latency_ms'] > 0) == (variant != 'none')
    assert (work_dir / 'topformer_b_person' / 'iter_2.pth').is_file()

    table = (work_dir / 'results.md').read_text().splitlines()
    assert len(table) == 2 + 5 and table[2].startswith('| topformer_b | person | none |')
    assert table[3].startswith(f'| topformer_b | person | dense CRF | {results["crf"]["mIoU"]:.2f} |')

    # Finished training and report are reused, not redone.
    assert runpy.run_path(str(FASHION_RUNNER))['main'](arguments) == 0
    again = capsys.readouterr().out
    assert 'finished run found' in again and 'post-processing effect for' not in again
    assert json.loads((work_dir / 'results.json').read_text()) == report


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_person_study_trains_the_committed_config(ccp_out, tmp_path):
    work_dir = tmp_path / 'fast_person'
    run_tool(
        [
            str(PERSON_RUNNER),
            '--data-root',
            str(ccp_out),
            '--work-dir',
            str(work_dir),
            '--variants',
            'segformer_b0',
            '--train',
            'segformer_b0',
            '--cost-shape',
            '64',
            '64',
            '--repeat',
            '1',
            '--warmup',
            '1',
            '--cfg-options',
            'train_cfg.max_iters=1',
            'train_dataloader.batch_size=2',
        ]
    )
    result = json.loads((work_dir / 'results.json').read_text())
    assert result['budget'] == dict(iters=1, batch_size=2, crop=256, lr=0.001, seed=0, data_root=str(ccp_out))
    assert {'gIoU.person', 'gIoU.background'} <= set(result['rows']['segformer_b0']['metrics'])
    trained = Config.fromfile(str(work_dir / 'segformer_b0' / 'segformer_b0.py'))
    assert trained.test_dataloader.dataset.data_root == str(ccp_out)
