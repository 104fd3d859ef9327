# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Deployment paths: ONNX export (static, dynamic), INT8 quantization, BN folding, channels_last, bf16, --amp."""

import json
import re
import runpy

import numpy as np
import pytest
import torch
from conftest import QUICKSTART_CONFIG, REPO, randomise_bn_stats, tiny_training_config

TINY = str(REPO / 'configs/_base_/models/topformer_tiny.py')


def tool(path: str):
    return runpy.run_path(str(REPO / path), run_name='tool')


@pytest.fixture(scope='module')
def tiny_model():
    """TopFormer-T (18 classes) with non-trivial BatchNorm statistics, so that folding has work to do."""
    from mmengine.config import Config

    from mmext.utils.benchmarking import build_inference_segmentor

    cfg = Config.fromfile(TINY)
    cfg.model.decode_head.num_classes = 18
    torch.manual_seed(0)
    model = build_inference_segmentor(cfg)
    randomise_bn_stats(model, bias=0.2)
    return cfg, model


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory, tiny_model):
    cfg, model = tiny_model
    folder = tmp_path_factory.mktemp('tiny')
    config = folder / 'tiny18.py'
    config.write_text(f"_base_ = [{TINY!r}]\nmodel = dict(decode_head=dict(num_classes=18))\n")
    checkpoint = folder / 'tiny18.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    return config, checkpoint


def logits(model, x):
    with torch.no_grad():
        return model(x, mode='tensor')


def test_export_static_checks_ort_against_pytorch(tmp_path, tiny_checkpoint, tiny_model, capsys):
    from mmext.deployment import OrtRunner

    config, checkpoint = tiny_checkpoint
    out = tmp_path / 'tiny.onnx'
    assert (
        tool('tools/deployment/export_onnx.py')['main'](
            [str(config), str(checkpoint), '--out', str(out), '--shape', '64', '64']
        )
        == 0
    )
    report = json.loads((tmp_path / 'tiny.json').read_text())
    for checks in (report['checks'], report['checks_simplified']):
        assert checks['1x3x64x64']['max_abs_diff'] < 1e-3
    assert f'Written {out}' in capsys.readouterr().out
    x = torch.randn(1, 3, 64, 64)
    got = OrtRunner(str(out))(x)
    assert got.shape == (1, 18, 8, 8)
    assert np.abs(got - logits(tiny_model[1], x).numpy()).max() < 1e-3
    with pytest.raises(Exception):  # a fixed-shape export refuses other sizes
        OrtRunner(str(out))(torch.randn(1, 3, 128, 64))


def test_export_dynamic_shapes_and_batch(tmp_path, tiny_checkpoint, tiny_model):
    from mmext.deployment import OrtRunner

    config, checkpoint = tiny_checkpoint
    out = tmp_path / 'dynamic.onnx'
    assert (
        tool('tools/deployment/export_onnx.py')['main'](
            [str(config), str(checkpoint), '--out', str(out), '--shape', '64', '64', '--dynamic', '--no-simplify']
        )
        == 0
    )
    checks = json.loads((tmp_path / 'dynamic.json').read_text())['checks']
    assert set(checks) == {'1x3x64x64', '2x3x128x192'}  # the tool's own second shape and batch
    runner = OrtRunner(str(out))
    x = torch.randn(3, 3, 256, 192)
    got = runner(x)
    assert got.shape == (3, 18, 32, 24)
    assert np.abs(got - logits(tiny_model[1], x).numpy()).max() < 1e-3


def test_export_refuses_a_missing_checkpoint(tmp_path, capsys):
    with pytest.raises(SystemExit):
        tool('tools/deployment/export_onnx.py')['main']([TINY, str(tmp_path / 'no.pth'), '--out', 'x.onnx'])
    assert 'no.pth not found' in capsys.readouterr().err


def test_int8_quantization_smaller_working_model_and_report(tmp_path, tiny_checkpoint, synthetic_dresscode):
    """Static INT8 calibrated on a few training images, evaluated on the validation split."""
    config, checkpoint = tiny_checkpoint
    fp32 = tmp_path / 'fp32.onnx'
    assert (
        tool('tools/deployment/export_onnx.py')['main'](
            [str(config), str(checkpoint), '--out', str(fp32), '--shape', '128', '128', '--no-simplify']
        )
        == 0
    )
    data_config = tmp_path / 'data.py'
    data_config.write_text(f"""
_base_ = [{str(REPO / QUICKSTART_CONFIG)!r}]
data_root = {str(synthetic_dresscode)!r}
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(128, 128), keep_ratio=False),
                 dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
""")
    int8 = tmp_path / 'int8.onnx'
    assert (
        tool('tools/deployment/quantize_onnx.py')['main'](
            [
                str(data_config),
                str(fp32),
                '--out',
                str(int8),
                '--calib-num',
                '4',
                '--val-num',
                '3',
                '--repeat',
                '2',
                '--warmup',
                '1',
                '--format',
                'qoperator',
            ]
        )
        == 0
    )
    report = json.loads((tmp_path / 'int8.json').read_text())
    assert report['calibration']['images'] == 4
    assert report['size_MB']['ratio'] < 0.45  # int8 weights: about a quarter, plus scales and zero points
    metrics = report['eval']['metrics']
    assert set(metrics) == {'fp32', 'int8'} and len(metrics['fp32']['IoU']) == 18
    assert report['eval']['mIoU_change'] == pytest.approx(metrics['int8']['mIoU'] - metrics['fp32']['mIoU'])
    assert report['speedup'] == pytest.approx(
        report['latency']['fp32']['median_ms'] / report['latency']['int8']['median_ms']
    )
    # The INT8 graph holds integer operators and still computes the same function, coarsely.
    import onnx

    assert any(node.op_type == 'QLinearConv' for node in onnx.load(str(int8)).graph.node)
    from mmengine.config import Config

    from mmext.deployment import OrtRunner
    from mmext.deployment.dataset_inputs import dataset_inputs
    from mmext.deployment.segmentation_eval import predict_label_map

    agree = labelled = 0
    for index, (x, label) in enumerate(
        dataset_inputs(Config.fromfile(str(data_config)), 'val_dataloader', 3, (128, 128))
    ):
        reference, quantized = OrtRunner(str(fp32))(x), OrtRunner(str(int8))(x)
        if index == 0:
            assert np.abs(quantized - reference).mean() < 0.2 * reference.std()
        valid = label != 255
        same = predict_label_map(reference, label.shape, None) == predict_label_map(quantized, label.shape, None)
        agree, labelled = agree + int(same[valid].sum()), labelled + int(valid.sum())
    # The reported agreement is the share of labelled pixels where INT8 and fp32 predict the same class.
    assert metrics['int8']['pixel_agreement_with_fp32'] == pytest.approx(100 * agree / labelled, abs=1e-6)


def test_batchnorm_folding_gives_identical_outputs(tiny_model):
    from mmext.deployment import count_batchnorms, fold_batchnorm

    _, model = tiny_model
    folded = fold_batchnorm(model)
    assert count_batchnorms(model) == 61 and count_batchnorms(folded) == 0
    assert count_batchnorms(model) == 61  # the original is untouched
    x = torch.randn(2, 3, 128, 128)
    assert (logits(folded, x) - logits(model, x)).abs().max() < 1e-5
    with pytest.raises(ValueError, match='eval-mode'):
        fold_batchnorm(model.train())
    model.eval()


def test_channels_last_bf16_and_fp16_on_cpu(tiny_model):
    from mmext.deployment import optimize_eager
    from mmext.utils.benchmarking import TensorMode

    _, model = tiny_model
    x = torch.randn(1, 3, 128, 128)
    reference = logits(model, x)
    fast = optimize_eager(TensorMode(model), fuse_bn=True, channels_last=True)
    assert (fast(x) - reference).abs().max() < 1e-5
    bf16 = optimize_eager(TensorMode(__import__('copy').deepcopy(model)), precision='bf16')(x)
    assert bf16.dtype == torch.float32  # logits come back as float32
    assert (bf16 - reference).abs().mean() < 0.1 * reference.abs().mean()  # 8-bit mantissa: close, not equal
    with pytest.raises(ValueError, match='fp16 inference needs a CUDA device'):
        optimize_eager(TensorMode(model), precision='fp16')


@pytest.mark.slow
def test_torch_compile_option_matches_eager(tiny_model):
    from mmext.deployment import optimize_eager
    from mmext.utils.benchmarking import TensorMode

    _, model = tiny_model
    x = torch.randn(1, 3, 128, 128)
    compiled = optimize_eager(TensorMode(model), fuse_bn=True, compile_mode='default')
    assert (compiled(x) - logits(model, x)).abs().max() < 1e-4


def test_amp_fp16_on_cuda_and_bf16_on_the_cpu_only_where_measured_faster(tmp_path, synthetic_dresscode, capsys):
    from mmengine.config import Config

    train = tool('tools/train.py')

    def fresh():
        return Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))))

    cfg = fresh()
    assert 'fp16' in train['configure_amp'](cfg, cuda_available=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.loss_scale == 'dynamic'
    cfg = fresh()
    assert 'bfloat16 autocast on the CPU (60 vs 100 ms' in train['configure_amp'](cfg, False, lambda c: (0.1, 0.06))
    assert cfg.optim_wrapper.type == 'CPUAutocastOptimWrapper'
    cfg = fresh()
    assert 'training in fp32' in train['configure_amp'](cfg, False, lambda c: (0.1, 0.098))
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    if torch.cuda.is_available():
        return
    # End to end on the CPU: a measured decision, then a training run (bf16 autocast if it was faster).
    config = tmp_path / 'amp.py'
    config.write_text(
        tiny_training_config(synthetic_dresscode)
        + """
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=pipeline))
train_cfg = dict(max_iters=1, val_interval=1000)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
"""
    )
    assert train['main']([str(config), '--amp', '--work-dir', str(tmp_path / 'work')]) == 0
    assert re.search(r'--amp: (bfloat16 autocast on the CPU|training in fp32).* ms per step', capsys.readouterr().out)
    assert (tmp_path / 'work' / 'iter_1.pth').is_file()


def test_cpu_autocast_optim_wrapper_runs_the_forward_in_bfloat16():
    from mmext.engine.optim_wrappers import CPUAutocastOptimWrapper

    layer = torch.nn.Linear(4, 4)
    wrapper = CPUAutocastOptimWrapper(torch.optim.SGD(layer.parameters(), lr=0.1))
    with wrapper.optim_context(layer):
        assert layer(torch.randn(2, 4)).dtype == torch.bfloat16
    assert layer(torch.randn(2, 4)).dtype == torch.float32


def test_side_by_side_iou_agreement_and_class_map():
    from mmext.deployment.segmentation_eval import evaluate_side_by_side

    label = np.array([[0, 0, 1, 1], [0, 0, 1, 255]])
    perfect = np.zeros((1, 2, 2, 4), dtype=np.float32)
    perfect[0, 1][label == 1] = 1.0  # argmax = label
    everything_one = np.zeros((1, 2, 2, 4), dtype=np.float32)
    everything_one[0, 1] = 1.0
    results = evaluate_side_by_side(
        dict(a=lambda x: perfect, b=lambda x: everything_one), [(torch.zeros(1), label)] * 2, classes=('bg', 'fg')
    )
    assert results['a']['mIoU'] == pytest.approx(100)
    assert results['b']['IoU'] == pytest.approx(dict(bg=0.0, fg=300 / 7))  # fg: 3 of 7 labelled pixels
    assert results['b']['pixel_agreement_with_a'] == pytest.approx(300 / 7)
    # A 3-class model whose class 2 is the dataset's class 1; its class 1 counts as background.
    three = np.zeros((1, 3, 2, 4), dtype=np.float32)
    three[0, 2][label == 1] = 1.0
    three[0, 1][label == 0] = 1.0
    mapped = evaluate_side_by_side(dict(m=lambda x: three), [(torch.zeros(1), label)], ('bg', 'fg'), pred_map={2: 1})
    assert mapped['m']['mIoU'] == pytest.approx(100)
    with pytest.raises(ValueError, match='predicts class 2'):
        evaluate_side_by_side(dict(m=lambda x: three), [(torch.zeros(1), label)], ('bg', 'fg'))
