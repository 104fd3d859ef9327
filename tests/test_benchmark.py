# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""tools/analysis_tools/benchmark.py and the measuring helpers behind it (tiny inputs, few rounds)."""

import json
import runpy

import pytest
import torch
from conftest import REPO, tiny_training_config

TINY = str(REPO / 'configs/_base_/models/topformer_tiny.py')
BASE = str(REPO / 'configs/_base_/models/topformer_base.py')


def benchmark_main():
    return runpy.run_path(str(REPO / 'tools/analysis_tools/benchmark.py'), run_name='benchmark')['main']


def test_inference_json_fields_summary_and_compare_ratio(tmp_path, capsys):
    out = tmp_path / 'bench.json'
    assert (
        benchmark_main()(
            [TINY, '--shape', '64', '64', '--repeat', '3', '--warmup', '0', '--compare', BASE, '--out', str(out)]
        )
        == 0
    )
    report = json.loads(out.read_text())
    main, other = report['models']['main'], report['models']['compare']
    assert report['mode'] == 'inference' and report['settings']['shape'] == [64, 64]
    assert main['params'] == 1389654 and other['params'] == 5062646  # the official counts
    for result in (main, other):
        assert result['GFLOPs_per_image'] > 0
        latency = result['latency']
        assert latency['repeat'] == 3 and 0 < latency['min_ms'] <= latency['median_ms'] <= latency['p90_ms']
        assert result['throughput_img_s'] == pytest.approx(1000 / latency['median_ms'])
        assert result['peak_memory_MB'] > 0
        assert result['size_MB'] == pytest.approx(result['params'] * 4 / 2**20, rel=0.05)
    assert report['ratio']['params'] == pytest.approx(5062646 / 1389654)
    assert report['ratio']['latency'] == pytest.approx(other['latency']['median_ms'] / main['latency']['median_ms'])
    # TopFormer-B has ~3x the multiply-adds of T (paper: 1.8 vs 0.6 GFLOPs at 512x512).
    assert 2 < report['ratio']['GFLOPs'] < 4
    printed = capsys.readouterr().out
    assert 'main (topformer_tiny.py): 1.39 M params' in printed
    assert 'compare / main: latency x' in printed and f'Written {out}' in printed


def test_onnxruntime_and_optimised_eager_paths_report_sizes(tmp_path):
    out = tmp_path / 'ort.json'
    assert (
        benchmark_main()(
            [
                TINY,
                '--shape',
                '64',
                '64',
                '--repeat',
                '1',
                '--warmup',
                '0',
                '--no-memory',
                '--backend',
                'onnxruntime',
                '--out',
                str(out),
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())['models']['main']
    assert result['onnx'].endswith('.onnx') and 4 < result['size_MB'] < 7  # 1.39 M fp32 weights in the file
    assert 'peak_memory_MB' not in result
    out = tmp_path / 'bf16.json'
    assert (
        benchmark_main()(
            [
                TINY,
                '--shape',
                '64',
                '64',
                '--repeat',
                '1',
                '--warmup',
                '0',
                '--no-memory',
                '--fuse-bn',
                '--channels-last',
                '--precision',
                'bf16',
                '--out',
                str(out),
            ]
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert report['settings']['fuse_bn'] and report['settings']['precision'] == 'bf16'
    assert report['models']['main']['size_MB'] == pytest.approx(1389654 * 2 / 2**20, rel=0.05)


def test_bad_input_gives_clear_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        benchmark_main()([TINY, '--precision', 'fp16'])
    assert exit_info.value.code == 2 and 'fp16 inference needs a CUDA device' in capsys.readouterr().err
    missing = tmp_path / 'nope.pth'
    with pytest.raises(SystemExit):
        benchmark_main()([TINY, str(missing)])
    assert f'{missing} not found' in capsys.readouterr().err


def test_train_mode_measures_the_auxiliary_heads_overhead(tmp_path, synthetic_dresscode):
    """Training steps on the config's own data: the multi-task model has more parameters and work."""
    common = tiny_training_config(synthetic_dresscode) + (
        "train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=pipeline))\n"
    )
    multitask = tmp_path / 'multitask.py'
    multitask.write_text(common)
    seg_only = tmp_path / 'seg_only.py'
    seg_only.write_text(
        common + "model.update(aux_task_heads=dict(_delete_=True),\n"
        "             test_cfg=dict(_delete_=True, mode='whole'))\n"
    )
    out = tmp_path / 'train.json'
    assert (
        benchmark_main()(
            [
                str(seg_only),
                '--train',
                '--batch-size',
                '2',
                '--shape',
                '64',
                '64',
                '--repeat',
                '1',
                '--warmup',
                '0',
                '--compare',
                str(multitask),
                '--out',
                str(out),
            ]
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert report['mode'] == 'train'
    main, other = report['models']['main'], report['models']['compare']
    assert other['params'] > main['params']  # the landmark and skeleton heads
    assert main['GFLOPs_per_image'] == pytest.approx(other['GFLOPs_per_image'])  # same inference graph
    assert main['throughput_img_s'] == pytest.approx(2000 / main['latency']['median_ms'])
    assert main['peak_memory_MB'] > 0 and other['peak_memory_MB'] > 0
    assert set(report['ratio']) >= {'latency', 'throughput', 'params', 'GFLOPs'}


def test_peak_memory_sees_a_large_allocation():
    from mmext.utils.benchmarking import peak_memory_mb

    small = peak_memory_mb(lambda: torch.ones(2**10))
    large = peak_memory_mb(lambda: torch.ones(64 * 2**20 // 4))  # 64 MiB, touched
    assert small is not None and large is not None
    assert large - small == pytest.approx(64, abs=8)
