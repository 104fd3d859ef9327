# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""U^2-Net: official cloth-segmentation key layout, U2NETP numeric parity, conversion, deep-supervision training."""

import importlib.util

import pytest
import torch
from conftest import REPO, shared_file
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmext  # noqa: F401  (registers U2Net and installs the mmcv-ops fallback before mmseg.models loads)

GOLDEN = 'golden/u2net_cloth_official.pt'
CONVERTER = 'tools/model_converters/u2net2mmext.py'
BUFFERS = ('running_mean', 'running_var', 'num_batches_tracked')


def load_golden() -> dict:
    return torch.load(shared_file(GOLDEN), weights_only=False)


def small_state_dict(golden: dict) -> dict:
    """The golden U2NETP weights without ``module.``, in float32."""
    return {
        k[len('module.') :]: v.float() if v.is_floating_point() else v for k, v in golden['u2netp_state_dict'].items()
    }


def build_segmentor(arch: str = 'small'):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(REPO / f'configs/_base_/models/u2net_{arch}.py'))
    return MODELS.build(cfg.model)


def make_samples(n: int, h: int, w: int, num_classes: int = 4):
    samples = []
    for _ in range(n):
        sample = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, num_classes, (1, h, w))))
        sample.set_metainfo(dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
        samples.append(sample)
    return samples


def test_full_model_has_exactly_the_official_keys_shapes_and_parameter_count():
    golden = load_golden()
    official = {k[len('module.') :]: tuple(v) for k, v in golden['u2net_full_key_shapes'].items()}
    assert all(k.startswith('module.') for k in golden['u2net_full_key_shapes'])
    with torch.device('meta'):  # shapes only: the 44 M model is never run or allocated here
        model = MODELS.build(dict(type='U2Net', arch='full', num_classes=4))
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert set(ours) == set(official)
    assert ours == official
    official_params = sum(torch.Size(s).numel() for k, s in official.items() if not k.endswith(BUFFERS))
    ours_params = sum(p.numel() for p in model.parameters())
    assert ours_params == official_params == golden['params_u2net_full'] == 44_051_452
    assert round(ours_params / 1e6, 2) == 44.05


def test_small_model_reproduces_official_outputs():
    golden = load_golden()
    model = MODELS.build(dict(type='U2Net', arch='small', num_classes=4))
    model.load_state_dict(small_state_dict(golden), strict=True)
    assert sum(p.numel() for p in model.parameters()) == golden['params_u2netp'] == 1_141_660
    model.eval()
    with torch.no_grad():
        outputs = model(golden['input'])
    assert len(outputs) == 7
    assert all(o.shape == (1, 4, 320, 320) for o in outputs)
    for ours, theirs in zip(outputs, golden['outputs']):  # d0 and d1
        assert (ours - theirs).abs().max().item() < 1e-4


def test_extra_input_channels_and_pretrained_init(tmp_path):
    golden = load_golden()
    state = small_state_dict(golden)
    ddp_file = tmp_path / 'u2netp_ddp.pth'
    torch.save({'module.' + k: v for k, v in state.items()}, ddp_file)
    rgb = MODELS.build(dict(type='U2Net', arch='small', init_cfg=dict(type='Pretrained', checkpoint=str(ddp_file))))
    rgb.init_weights()
    assert torch.equal(rgb.outconv.weight, state['outconv.weight'])
    wide = MODELS.build(
        dict(type='U2Net', arch='small', in_channels=5, init_cfg=dict(type='Pretrained', checkpoint=str(ddp_file)))
    )
    wide.init_weights()
    assert wide.stage1.rebnconvin.conv_s1.weight.shape == (64, 5, 3, 3)
    rgb.eval()
    wide.eval()
    x = torch.randn(1, 5, 37, 45)  # odd sizes exercise the ceil-mode pooling / resize-back path
    with torch.no_grad():
        ours, reference = wide(x), rgb(x[:, :3])
    assert all(o.shape == (1, 4, 37, 45) for o in ours)
    assert max((a - b).abs().max().item() for a, b in zip(ours, reference)) < 1e-5  # zero-initialised extras
    missing = MODELS.build(dict(type='U2Net', arch='small', init_cfg=dict(type='Pretrained', checkpoint='nope/u2.pth')))
    with pytest.raises(FileNotFoundError, match='nope/u2.pth'):
        missing.init_weights()


def load_converter():
    """The converter script as a module: run in-process, since a fresh interpreter costs an mmseg import."""
    spec = importlib.util.spec_from_file_location('u2net2mmext', REPO / CONVERTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_converter_output_loads_strictly_into_the_segmentor(tmp_path, capsys):
    golden = load_golden()
    state = small_state_dict(golden)
    src = tmp_path / 'cloth_segm_u2netp.pth'
    torch.save({'module.' + k: v.half() if v.is_floating_point() else v for k, v in state.items()}, src)
    dst = tmp_path / 'converted' / 'u2netp.pth'
    converter = load_converter()
    with pytest.raises(SystemExit):
        converter.main(['--help'])
    assert 'usage' in capsys.readouterr().out
    assert converter.main([str(src), str(dst)]) == 0
    out = capsys.readouterr().out
    assert 'Converted' in out and 'arch=small' in out and str(dst) in out
    converted = torch.load(dst, weights_only=True)
    assert all(k.startswith('backbone.') for k in converted['state_dict'])
    assert all(v.dtype != torch.float16 for v in converted['state_dict'].values())
    model = build_segmentor('small')
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)  # what load_from does
    assert torch.equal(model.backbone.side3.weight, state['side3.weight'])
    assert converter.main([str(src), str(dst)]) == 1
    assert 'exists' in capsys.readouterr().err
    bad = tmp_path / 'bad.pth'
    torch.save({'module.conv.weight': torch.zeros(1)}, bad)
    assert converter.main([str(bad), str(tmp_path / 'bad_out.pth')]) == 1
    assert 'not a U2Net checkpoint' in capsys.readouterr().err


def test_head_has_no_parameters_and_deep_supervision_trains_every_parameter():
    model = build_segmentor('small')
    assert not hasattr(model.decode_head, 'conv_seg')
    assert sum(p.numel() for p in model.decode_head.parameters()) == 0
    assert sum(p.numel() for p in model.parameters()) == 1_141_660
    model.train()
    losses = model(torch.rand(2, 3, 64, 64), make_samples(2, 64, 64), mode='loss')
    terms = {k: v for k, v in losses.items() if 'loss' in k}
    assert sorted(terms) == [f'decode.loss_ce_d{i}' for i in range(7)]
    assert all(torch.isfinite(v) for v in terms.values())
    sum(terms.values()).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_predict_returns_maps_at_the_input_size():
    model = build_segmentor('small')
    model.eval()
    with torch.no_grad():
        results = model(torch.rand(2, 3, 50, 70), make_samples(2, 50, 70), mode='predict')
        logits = model(torch.rand(1, 3, 50, 70), mode='tensor')
    assert [tuple(r.pred_sem_seg.data.shape) for r in results] == [(1, 50, 70)] * 2
    assert tuple(results[0].seg_logits.data.shape) == (4, 50, 70)
    assert tuple(logits.shape) == (1, 4, 50, 70)
