# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""TopFormer: official-checkpoint parity, presets, custom sizes, pretrained loading and conversion."""

import pytest
import torch
from conftest import REPO, run_tool, shared_file
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

ARCHS = ['tiny', 'small', 'base']


def load_golden(arch: str) -> dict:
    return torch.load(shared_file(f'golden/topformer_{arch}_official.pt'), weights_only=False)


def float32_state(state: dict) -> dict:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def build_from_base_config(arch: str, num_classes: int = 150):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(REPO / f'configs/_base_/models/topformer_{arch}.py'))
    cfg.model.decode_head.num_classes = num_classes
    return MODELS.build(cfg.model)


# Float32 noise bound, relative to the largest |logit|. A float64 run of the same model with the official
# weights puts the official float32 logits (AMD AVX-512 and Intel AMX alike) within 4e-5 of exact (tiny
# 3.8e-5, small 5.3e-6, base 2.6e-6) and ours within 2e-5; a wrong layer moves them by > 1e-2.
FLOAT32_REL_TOL = 1e-4


@pytest.mark.parametrize('arch', ARCHS)
def test_golden_logits_match_a_float64_run_of_our_model(arch):
    """CPU-independent parity: our model in float64 (nearly exact on any CPU) with the official weights
    is the reference; the official float32 logits and ours must both lie within float32 noise of it."""
    golden = load_golden(arch)
    model = build_from_base_config(arch)
    model.load_state_dict(float32_state(golden['state_dict']), strict=True)
    model.eval()
    with torch.no_grad():
        ours32 = model(golden['input'], mode='tensor').double()
        exact = model.double()(golden['input'].double(), mode='tensor')
    scale = exact.abs().max()
    assert ((golden['logits'].double() - exact).abs().max() / scale).item() < FLOAT32_REL_TOL
    assert ((ours32 - exact).abs().max() / scale).item() < FLOAT32_REL_TOL
    assert ours32.argmax(1).eq(golden['logits'].argmax(1)).float().mean() > 0.999


@pytest.mark.parametrize('arch', ARCHS)
def test_golden_parity_strict_load_params_and_outputs_any_kernels(arch):
    golden = load_golden(arch)
    model = build_from_base_config(arch)
    model.load_state_dict(float32_state(golden['state_dict']), strict=True)
    assert sum(p.numel() for p in model.parameters()) == golden['params_total']
    assert sum(p.numel() for p in model.backbone.parameters()) == golden['params_backbone']
    model.eval()
    with torch.no_grad():
        logits = model(golden['input'], mode='tensor')
        features = model.backbone(golden['input'])
    scale = golden['logits'].abs().max()
    assert (logits - golden["logits"]).abs().max() / scale < FLOAT32_REL_TOL
    for ours, theirs in zip(features, golden['backbone_outputs']):
        assert ours.shape == theirs.shape
        assert (ours - theirs).abs().max() / theirs.abs().max() < FLOAT32_REL_TOL
    assert logits.argmax(1).eq(golden['logits'].argmax(1)).float().mean() > 0.999


def test_presets_match_official_backbone_configs():
    from mmext.models.backbones.topformer import ARCH_SETTINGS

    for arch in ARCHS:
        official = load_golden(arch)['backbone_cfg']
        ours = ARCH_SETTINGS[arch]
        assert ours['layer_cfgs'] == official['cfgs']
        assert ours['channels'] == official['channels']
        assert ours['out_channels'] == official['out_channels']
        assert ours['embed_out_indices'] == official['embed_out_indice']
        assert ours['num_heads'] == official['num_heads']


def test_custom_arch_dict_builds_a_smaller_model_with_matching_strides():
    arch = dict(
        layer_cfgs=[[3, 1, 16, 1], [3, 4, 16, 2], [5, 3, 24, 2], [3, 3, 32, 2], [5, 4, 48, 2]],
        channels=[16, 24, 32, 48],
        out_channels=[None, 64, 64, 64],
        embed_out_indices=[1, 2, 3, 4],
        num_heads=2,
    )
    model = MODELS.build(dict(type='TopFormer', arch=arch, depth=2))
    outs = model(torch.rand(2, 3, 128, 96))
    assert [tuple(o.shape) for o in outs] == [(2, 64, 16, 12), (2, 64, 8, 6), (2, 64, 4, 3)]
    bad = dict(arch, channels=[16, 24, 32, 40])
    with pytest.raises(ValueError, match='channels\\[3\\]=40'):
        MODELS.build(dict(type='TopFormer', arch=bad))
    with pytest.raises(ValueError, match='Unknown TopFormer arch'):
        MODELS.build(dict(type='TopFormer', arch='huge'))


def test_head_rejects_inputs_it_cannot_sum():
    with pytest.raises(ValueError, match='must all equal'):
        MODELS.build(
            dict(type='TopFormerHead', in_channels=[128, 64, 128], in_index=[0, 1, 2], channels=128, num_classes=4)
        )


def test_pretrained_init_from_official_segmentor_checkpoint(tmp_path):
    path = shared_file('golden/topformer_tiny_official.pt')
    golden = load_golden('tiny')
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models/topformer_tiny.py'))
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(path))
    cfg.model.decode_head.num_classes = 4  # fine-tuning to another label set
    model = MODELS.build(cfg.model)
    model.init_weights()
    expected = {
        k[len('backbone.') :]: v.float()
        for k, v in golden['state_dict'].items()
        if k.startswith('backbone.') and v.is_floating_point()
    }
    for name, value in model.backbone.state_dict().items():
        if value.is_floating_point():
            assert torch.equal(value, expected[name]), name


def test_pretrained_init_from_imagenet_style_backbone_checkpoint(tmp_path):
    golden = load_golden('base')
    backbone_only = {k[len('backbone.') :]: v for k, v in golden['state_dict'].items() if k.startswith('backbone.')}
    backbone_only['classifier.weight'] = torch.zeros(1000, 160)  # ImageNet files also hold a classifier
    path = tmp_path / 'imagenet.pth'
    torch.save({'state_dict_ema': backbone_only}, path)
    model = MODELS.build(dict(type='TopFormer', arch='base', init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    model.init_weights()
    assert torch.equal(model.tpm.stem[0].c.weight, backbone_only['tpm.stem.0.c.weight'].float())


def test_pretrained_init_fails_loudly_on_wrong_or_missing_file(tmp_path):
    golden = load_golden('tiny')
    path = tmp_path / 'tiny.pth'
    torch.save(golden['state_dict'], path)
    base = MODELS.build(dict(type='TopFormer', arch='base', init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    with pytest.raises(ValueError, match='fits only .* tensors of TopFormer'):
        base.init_weights()
    missing = MODELS.build(dict(type='TopFormer', init_cfg=dict(type='Pretrained', checkpoint='nope/ckpt.pth')))
    with pytest.raises(FileNotFoundError, match='nope/ckpt.pth'):
        missing.init_weights()


def test_converter_cleans_official_checkpoint_and_refuses_to_overwrite(tmp_path):
    src = shared_file('golden/topformer_small_official.pt')
    dst = tmp_path / 'converted.pth'
    result = run_tool(['tools/model_converters/topformer2mmext.py', str(src), str(dst)])
    assert 'Converted' in result.stdout and str(dst) in result.stdout
    converted = torch.load(dst)  # weights_only=True under torch >= 2.6
    assert all(v.dtype != torch.float16 for v in converted['state_dict'].values())
    model = build_from_base_config('small')
    model.load_state_dict(converted['state_dict'], strict=True)
    again = run_tool(['tools/model_converters/topformer2mmext.py', str(src), str(dst)], check=False)
    assert again.returncode == 1 and 'exists' in again.stderr


def test_training_step_updates_weights_and_backpropagates():
    model = build_from_base_config('tiny', num_classes=4)
    model.train()
    inputs = torch.rand(2, 3, 64, 64)
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    samples = []
    for _ in range(2):
        sample = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, 4, (1, 64, 64))))
        sample.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(sample)
    losses = model(inputs, samples, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads)
    assert torch.isfinite(loss)
