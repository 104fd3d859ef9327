# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""PretrainedStemMixin: every backbone with extra input channels loads an RGB checkpoint the same way."""

import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmext  # noqa: F401  (registers the backbones and installs the mmcv-ops fallback before mmseg.models loads)

# Small variants of the four backbones; the checkpoint key of each stem weight and the module the
# checkpoint describes (SERNet-Former: its timm encoder, as a classification checkpoint would).
BACKBONES = {
    'TopFormer': (dict(arch='tiny'), 'tpm.stem.0.c.weight', ''),
    'U2Net': (dict(arch='small'), 'stage1.rebnconvin.conv_s1.weight', ''),
    'SERSegFormer': (dict(arch='b0'), 'layers.0.0.projection.weight', ''),
    'SERNetFormer': (dict(encoder='resnet18'), 'conv1.weight', 'encoder'),
}


def build(name: str, **kwargs):
    init_default_scope('mmseg')
    return MODELS.build(dict(type=name, **BACKBONES[name][0], **kwargs))


def rgb_checkpoint(name: str, path, wrap=lambda state: state) -> dict:
    """A random RGB model's weights (of the module a checkpoint describes), saved to ``path``."""
    torch.manual_seed(0)
    rgb = build(name)
    for p in rgb.parameters():
        p.data.normal_(0, 0.05)
    state = rgb.get_submodule(BACKBONES[name][2]).state_dict()
    torch.save(wrap(state), path)
    return state


@pytest.mark.parametrize('rule', ['zeros', 'rgb_mean'])
@pytest.mark.parametrize('name', list(BACKBONES))
def test_pretrained_rgb_checkpoint_loads_into_a_wider_stem(name, rule, tmp_path):
    path = tmp_path / 'rgb.pth'
    state = rgb_checkpoint(name, path)
    wide = build(
        name, in_channels=5, extra_in_channels_init=rule, init_cfg=dict(type='Pretrained', checkpoint=str(path))
    )
    wide.init_weights()
    assert wide.is_init
    stem_key = BACKBONES[name][1]
    loaded = wide.get_submodule(BACKBONES[name][2]).state_dict()
    assert set(loaded) == set(state)
    for key, value in state.items():
        if key != stem_key:
            assert torch.equal(loaded[key], value), key
    stem, rgb_stem = loaded[stem_key], state[stem_key]
    assert stem.shape[1] == 5
    assert torch.equal(stem[:, :3], rgb_stem)
    extra = torch.zeros_like(stem[:, 3:]) if rule == 'zeros' else rgb_stem.mean(1, keepdim=True).expand(-1, 2, -1, -1)
    torch.testing.assert_close(stem[:, 3:], extra)


@pytest.mark.parametrize('name', list(BACKBONES))
def test_load_state_dict_of_a_segmentor_widens_the_stem(name):
    """The path of a whole segmentor checkpoint: the stem is widened under the ``backbone.`` prefix."""
    torch.manual_seed(0)
    rgb = build(name)
    segmentor = torch.nn.Module()
    segmentor.backbone = build(name, in_channels=4)
    segmentor.load_state_dict({f'backbone.{k}': v for k, v in rgb.state_dict().items()}, strict=True)
    key = (BACKBONES[name][2] + '.' if BACKBONES[name][2] else '') + BACKBONES[name][1]
    stem = segmentor.backbone.state_dict()[key]
    assert torch.equal(stem[:, :3], rgb.state_dict()[key]) and not stem[:, 3:].any()


@pytest.mark.parametrize('name', list(BACKBONES))
def test_bad_rule_wrong_file_and_missing_file_fail_loudly(name, tmp_path):
    with pytest.raises(ValueError, match='extra_in_channels_init must be one of'):
        build(name, extra_in_channels_init='ones')
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': {'head.weight': torch.zeros(2, 2)}}, wrong)
    with pytest.raises(ValueError, match=f'{wrong} fits only 0 of .* tensors'):
        build(name, init_cfg=dict(type='Pretrained', checkpoint=str(wrong))).init_weights()
    with pytest.raises(FileNotFoundError, match='nope/ckpt.pth'):
        build(name, init_cfg=dict(type='Pretrained', checkpoint='nope/ckpt.pth')).init_weights()
