"""tools/analysis_tools: the ablation table (mean and spread over seeds, files) and the CPU demo runner."""
import csv
import json
import shutil

import pytest

from conftest import REPO, run_tool


def fake_run(root, name, seed, metrics, train_time=100.0):
    work_dir = root / f'{name}_seed{seed}'
    work_dir.mkdir()
    shutil.copy(REPO / f'configs/ablations/dresscode_aux/{name}.py', work_dir / f'{name}.py')
    (work_dir / 'run_summary.json').write_text(json.dumps(dict(
        config=f'{name}.py', seed=seed, params_inference=5_028_722, train_time_s=train_time, val_metrics=metrics)))
    return work_dir


def test_table_averages_seeds_and_writes_md_csv_png(tmp_path):
    runs = [
        fake_run(tmp_path, 'seg_only', 0, {'mIoU': 40.0, 'gIoU.upper': 50.0}),
        fake_run(tmp_path, 'seg_only', 1, {'mIoU': 44.0, 'gIoU.upper': 54.0}, train_time=120.0),
        fake_run(tmp_path, 'landmarks', 0, {'mIoU': 45.0, 'gIoU.upper': 56.0, 'PCK@0.1': 70.0,
                                             'PCK@0.1_mean_pose': 30.0}),
    ]
    out = tmp_path / 'table'
    result = run_tool(['tools/analysis_tools/ablation_table.py', *map(str, runs), '--out', str(out), '--no-cost'])
    markdown = (out / 'ablation.md').read_text()
    assert '| config | seeds | mIoU | gIoU.upper | PCK@0.1 | PCK@0.1_mean_pose | params_M | train_time_s |' in markdown
    assert '| seg_only | 2 | 42.00 ± 2.83 | 52.00 ± 2.83 | - | - | 5.029 | 110 ± 14 |' in markdown
    assert '| landmarks | 1 | 45.00 | 56.00 | 70.00 | 30.00 | 5.029 | 100 |' in markdown
    assert '| seg_only | 2 | 42.00 ± 2.83 |' in result.stdout and str(out / 'ablation.png') in result.stdout
    rows = list(csv.DictReader((out / 'ablation.csv').open()))
    assert [r['config'] for r in rows] == ['seg_only', 'landmarks']
    assert float(rows[0]['mIoU']) == 42.0 and float(rows[0]['mIoU_std']) == pytest.approx(2.828, rel=1e-3)
    assert float(rows[0]['train_time_s']) == 110.0 and rows[1]['mIoU_std'] == ''
    assert (out / 'ablation.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_table_refuses_runs_without_summary(tmp_path):
    (tmp_path / 'empty').mkdir()
    result = run_tool(['tools/analysis_tools/ablation_table.py', str(tmp_path / 'empty'), '--out',
                       str(tmp_path / 'o'), '--no-cost'], check=False)
    assert result.returncode == 1 and 'no finished runs' in result.stderr


def test_inference_cost_excludes_auxiliary_heads():
    import sys
    sys.path.insert(0, str(REPO / 'tools/analysis_tools'))
    from ablation_table import inference_costs
    names = ('seg_only', 'landmarks_skeleton', 'pose_input')
    costs = inference_costs({n: str(REPO / f'configs/ablations/dresscode_aux/{n}.py') for n in names}, (64, 48),
                            repeat=2, warmup=1)
    seg, aux, wide = (costs[n] for n in names)
    assert all(c['latency_ms'] > 0 for c in costs.values())
    assert seg['GFLOPs'] > 0.01
    assert aux['GFLOPs'] == seg['GFLOPs']
    assert seg['GFLOPs'] < wide['GFLOPs'] < seg['GFLOPs'] * 1.05  # two more input channels in the stem


@pytest.mark.slow  # trains the whole demo family (about 2 minutes of one core); `make test-all` runs it
def test_demo_runs_a_family_end_to_end(tmp_path):
    result = run_tool(['tools/analysis_tools/ablation_demo.py', '--data-root', str(tmp_path / 'data'), '--work-dir',
                       str(tmp_path / 'runs'), '--variants', 'seg_only', 'landmarks', '--iters', '3', '--num', '4',
                       '--image-size', '64x48', '--data-size', '64x48', '--batch-size', '2'], timeout=900)
    assert '[2/2] training landmarks' in result.stdout
    table = (tmp_path / 'runs' / 'ablation.md').read_text()
    assert '| seg_only | 1 |' in table and '| landmarks | 1 |' in table
    summary = json.loads((tmp_path / 'runs' / 'landmarks' / 'run_summary.json').read_text())
    assert summary['iterations'] == 3 and 'PCK@0.1' in summary['val_metrics']
    assert summary['params_aux_heads'] > 0
    again = run_tool(['tools/analysis_tools/ablation_demo.py', '--data-root', str(tmp_path / 'data'), '--work-dir',
                      str(tmp_path / 'runs'), '--variants', 'seg_only', '--iters', '3', '--image-size', '64x48'])
    assert 'finished run found' in again.stdout  # finished runs are reused, not retrained
