"""The CPU-budget study runners of projects/clothing_topformer_vs_u2net and projects/fashion_pixel."""
import argparse
import json
import runpy

import pytest

from conftest import REPO, run_tool

CLOTHING_RUNNER = REPO / 'projects' / 'clothing_topformer_vs_u2net' / 'run_cpu_budget.py'
FASHION_RUNNER = REPO / 'projects' / 'fashion_pixel' / 'run_cpu_budget.py'


def clothing_args(data_root, work_dir, **overrides) -> argparse.Namespace:
    args = dict(data_root=str(data_root), work_dir=str(work_dir), iters=30, u2netp_iters=None, lovasz_iters=10,
                batch_size=2, crop=64, lr=1e-3, seed=0)
    return argparse.Namespace(**{**args, **overrides})


def test_clothing_runner_budget_per_variant(ccp_out, tmp_path):
    build_config = runpy.run_path(str(CLOTHING_RUNNER))['build_config']
    topformer = build_config('topformer_b_ce', clothing_args(ccp_out, tmp_path))
    assert topformer.train_cfg.max_iters == 30 and topformer.train_dataloader.batch_size == 2
    assert topformer.train_dataloader.dataset.label_mode == 'clothing4'
    assert topformer.model.data_preprocessor.size == (64, 64)

    u2netp = build_config('u2netp_ce', clothing_args(ccp_out, tmp_path, u2netp_iters=7))
    assert u2netp.model.backbone.arch == 'small' and u2netp.train_cfg.max_iters == 7
    assert build_config('u2netp_ce', clothing_args(ccp_out, tmp_path)).train_cfg.max_iters == 30

    with pytest.raises(SystemExit, match='train topformer_b_ce-dice-heavyaug first'):
        build_config('topformer_b_lovasz-ft', clothing_args(ccp_out, tmp_path))
    (tmp_path / 'topformer_b_ce-dice-heavyaug').mkdir()
    (tmp_path / 'topformer_b_ce-dice-heavyaug' / 'iter_30.pth').write_bytes(b'')
    lovasz = build_config('topformer_b_lovasz-ft', clothing_args(ccp_out, tmp_path))
    assert lovasz.train_cfg.max_iters == 10 and lovasz.optim_wrapper.optimizer.lr == pytest.approx(1e-4)
    assert lovasz.load_from == str(tmp_path / 'topformer_b_ce-dice-heavyaug' / 'iter_30.pth')


def test_fashion_pixel_runner_trains_and_reports_every_step(ccp_out, tmp_path, capsys):
    work_dir = tmp_path / 'fashion_pixel'
    arguments = ['--data-root', str(ccp_out), '--work-dir', str(work_dir),
                 '--variants', 'topformer_b_person', '--iters', '2', '--batch-size', '2', '--crop', '64', '--num', '1']
    result = run_tool([str(FASHION_RUNNER), *arguments])
    assert str(work_dir.resolve()) in result.stdout

    report = json.loads((work_dir / 'results.json').read_text())
    assert report['budget']['iters'] == 2 and report['budget']['num'] == 1
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
    assert json.loads((work_dir / 'results.json').read_text())['reports'] == report['reports']
