# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""SERNet-Former / SERSegFormer attention modules: registration, shapes, gradients, ablation switches, numbers."""

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import randomise_bn_stats
from mmseg.registry import MODELS

import mmext  # noqa: F401  (registers the modules)
from mmext.models.attention import DAM, AbG, AbM, AfN, ConvBNAbG, DbN

SIZES = [(16, 16), (17, 23), (5, 9)]


@pytest.fixture(autouse=True)
def seed():
    torch.manual_seed(0)


def assert_finite_nonzero_grads(module: torch.nn.Module, inputs: list, out: torch.Tensor) -> None:
    (out * torch.randn_like(out)).sum().backward()
    for i, x in enumerate(inputs):
        assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0, f'input {i}'
    for name, p in module.named_parameters():
        assert p.grad is not None, f'{name} got no gradient'
        assert torch.isfinite(p.grad).all(), f'{name} has a non-finite gradient'
        assert p.grad.abs().sum() > 0, f'{name} has an all-zero gradient'


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


@pytest.mark.parametrize(
    'cfg, cls',
    [
        (dict(type='AbG', channels=8), AbG),
        (dict(type='ConvBNAbG', in_channels=4, out_channels=8), ConvBNAbG),
        (dict(type='AbM', in_channels=[4, 6], out_channels=8), AbM),
        (dict(type='AfN', deep_channels=8, skip_channels=4, out_channels=6), AfN),
        (dict(type='DbN', in_channels=8, out_channels=8), DbN),
        (dict(type='DAM', channels=8), DAM),
    ],
)
def test_registered(cfg, cls):
    assert type(MODELS.build(cfg)) is cls


# ----------------------------------------------------------------------------------------------- AbG
@pytest.mark.parametrize('mode', ['element', 'channel'])
@pytest.mark.parametrize('size', SIZES)
def test_abg_shape_and_grads(mode, size):
    gate = AbG(8, mode=mode)
    f = torch.randn(2, 8, *size, requires_grad=True)
    r = torch.randn(2, 8, *size, requires_grad=True)
    out = gate(f, residual=r)
    assert out.shape == f.shape
    assert_finite_nonzero_grads(gate, [f, r], out)
    assert (len(list(gate.parameters())) > 0) == (mode == 'channel')


@pytest.mark.parametrize('mode', ['element', 'channel'])
def test_abg_disabled_is_identity(mode):
    gate = AbG(8, mode=mode, enabled=False)
    assert len(list(gate.parameters())) == 0
    f, r = torch.randn(2, 8, 7, 5), torch.randn(2, 8, 7, 5)
    assert torch.equal(gate(f), f)
    assert torch.equal(gate(f, residual=r), r)


def test_abg_element_numbers():
    values = [[-2.0, -0.5, 0.0], [0.25, 1.0, 3.0]]
    f = torch.tensor(values).view(1, 1, 2, 3)
    r = torch.full_like(f, 0.75)
    gate = AbG(1, mode='element')
    expected = torch.tensor([[v + sigmoid(v) * v for v in row] for row in values]).view(1, 1, 2, 3)
    expected_r = torch.tensor([[0.75 + sigmoid(v) * v for v in row] for row in values]).view(1, 1, 2, 3)
    torch.testing.assert_close(gate(f), expected)
    torch.testing.assert_close(gate(f, residual=r), expected_r)


def test_abg_channel_numbers():
    # Channel means are 1 and 0.5; with W = [[2, 0], [1, -1]], b = [0, 0.5] the gate logits are 2 and 1.
    f = torch.tensor([[[1.0, 2.0], [3.0, -2.0]], [[0.0, 1.0], [-1.0, 2.0]]]).unsqueeze(0)
    gate = AbG(2, mode='channel')
    with torch.no_grad():
        gate.channel_conv.weight.copy_(torch.tensor([[2.0, 0.0], [1.0, -1.0]]).view(2, 2, 1, 1))
        gate.channel_conv.bias.copy_(torch.tensor([0.0, 0.5]))
    expected = f.clone()
    expected[0, 0] *= 1 + sigmoid(2.0)
    expected[0, 1] *= 1 + sigmoid(1.0)
    torch.testing.assert_close(gate(f), expected)
    r = torch.ones_like(f)
    torch.testing.assert_close(gate(f, residual=r), r + expected - f)


def test_abg_unknown_mode():
    with pytest.raises(ValueError, match="'element', 'channel'"):
        AbG(8, mode='spatial')
    with pytest.raises(ValueError, match='mode'):
        ConvBNAbG(4, 8, abg_mode='pixel')


# ----------------------------------------------------------------------------------------- ConvBNAbG
@pytest.mark.parametrize('kernel_size, stride, dilation', [(3, 1, 1), (3, 2, 1), (3, 1, 2), (1, 1, 1), (5, 1, 1)])
@pytest.mark.parametrize('mode', ['element', 'channel'])
@pytest.mark.parametrize('size', SIZES)
def test_conv_bn_abg_shape(kernel_size, stride, dilation, mode, size):
    block = ConvBNAbG(4, 8, kernel_size=kernel_size, stride=stride, dilation=dilation, abg_mode=mode)
    out = block(torch.randn(2, 4, *size))
    assert out.shape == (2, 8, (size[0] - 1) // stride + 1, (size[1] - 1) // stride + 1)


@pytest.mark.parametrize('mode', ['element', 'channel'])
def test_conv_bn_abg_grads(mode):
    block = ConvBNAbG(4, 8, abg_mode=mode)
    x = torch.randn(2, 4, 17, 23, requires_grad=True)
    assert_finite_nonzero_grads(block, [x], block(x))


@pytest.mark.parametrize('train', [True, False])
def test_conv_bn_abg_by_hand(train):
    x = torch.randn(2, 4, 17, 23)
    plain = ConvBNAbG(4, 8, abg=False)
    gated = ConvBNAbG(4, 8, abg=True)
    for block in (plain, gated):
        randomise_bn_stats(block)
        block.train(train)
    assert len(list(plain.gate.parameters())) == 0
    torch.testing.assert_close(plain(x), F.relu(plain.bn(plain.conv(x))))
    f = gated.bn(gated.conv(x))
    torch.testing.assert_close(gated(x), F.relu(f) + torch.sigmoid(f) * f)


def test_norm_cfg_is_used():
    block = ConvBNAbG(4, 8, norm_cfg=dict(type='GN', num_groups=2))
    assert isinstance(block.bn, torch.nn.GroupNorm)


# ----------------------------------------------------------------------------------------------- AbM
@pytest.mark.parametrize('mode', ['element', 'channel'])
@pytest.mark.parametrize('enabled', [True, False])
@pytest.mark.parametrize('size', SIZES)
def test_abm_shape(mode, enabled, size):
    abm = AbM([4, 6, 8], 12, mode=mode, enabled=enabled)
    feats = [torch.randn(2, 4, *size), torch.randn(2, 6, 4, 3), torch.randn(2, 8, 2 * size[0], 1)]
    assert abm(feats).shape == (2, 12, *size)


@pytest.mark.parametrize('mode', ['element', 'channel'])
def test_abm_grads(mode):
    abm = AbM([4, 6], 8, mode=mode)
    feats = [torch.randn(2, 4, 17, 23, requires_grad=True), torch.randn(2, 6, 5, 6, requires_grad=True)]
    assert_finite_nonzero_grads(abm, feats, abm(feats))


def test_abm_disabled_by_hand():
    abm = AbM([4, 6], 8, enabled=False)
    randomise_bn_stats(abm)
    abm.eval()
    feats = [torch.randn(2, 4, 17, 23), torch.randn(2, 6, 5, 6)]
    resized = torch.cat([feats[0], F.interpolate(feats[1], size=(17, 23), mode='bilinear', align_corners=False)], 1)
    torch.testing.assert_close(abm(feats), F.relu(abm.fuse.bn(abm.fuse.conv(resized))))
    assert sum(p.numel() for p in abm.parameters()) == 10 * 8 + 2 * 8


def test_abm_wrong_feature_count():
    abm = AbM([4, 6], 8)
    with pytest.raises(ValueError, match='expects 2 features'):
        abm([torch.randn(1, 4, 8, 8)])


# ----------------------------------------------------------------------------------------------- AfN
AFN_SWITCHES = [(True, True), (True, False), (False, False)]  # (gate, cross_attention): cross needs the gate


@pytest.mark.parametrize('gate,cross_attention', AFN_SWITCHES)
@pytest.mark.parametrize('size', SIZES)
def test_afn_shape(gate, cross_attention, size):
    afn = AfN(8, 4, 6, gate=gate, cross_attention=cross_attention)
    deep = torch.randn(2, 8, (size[0] + 1) // 2, (size[1] + 1) // 2)
    assert afn(deep, torch.randn(2, 4, *size)).shape == (2, 6, *size)


@pytest.mark.parametrize('gate,cross_attention', AFN_SWITCHES)
def test_afn_grads(gate, cross_attention):
    afn = AfN(8, 4, 6, gate=gate, cross_attention=cross_attention)
    deep = torch.randn(2, 8, 9, 12, requires_grad=True)
    skip = torch.randn(2, 4, 17, 23, requires_grad=True)
    assert_finite_nonzero_grads(afn, [deep, skip], afn(deep, skip))


def test_afn_cross_attention_lets_the_skip_steer_the_deep_gate():
    deep = torch.randn(1, 8, 9, 12)
    skips = [torch.randn(1, 4, 17, 23), torch.randn(1, 4, 17, 23)]
    for cross, changes in ((True, True), (False, False)):
        torch.manual_seed(0)
        afn = AfN(8, 4, 6, gate=True, cross_attention=cross).eval()
        seen = []
        afn.deep_proj.register_forward_hook(lambda module, args, output: seen.append(output))
        with torch.no_grad():
            for skip in skips:
                afn(deep, skip)
        # The deep projection is ReLU(f) + sigmoid(f [+ steer from the skip]) * f with f from `deep` only:
        # it changes with the skip exactly when the skip steers its gate.
        assert (not torch.equal(seen[0], seen[1])) == changes
    with torch.no_grad():
        f = afn.deep_proj.bn(afn.deep_proj.conv(F.interpolate(deep, size=(17, 23), mode='bilinear')))
    steered = AfN(8, 4, 6, gate=True, cross_attention=True).eval()
    steered.deep_proj.load_state_dict(afn.deep_proj.state_dict())
    with torch.no_grad():
        s = steered.skip_proj(skips[0])
        steer = steered.spatial_att(s) + steered.channel_att(F.adaptive_avg_pool2d(s, 1))
        torch.testing.assert_close(
            steered.deep_proj(F.interpolate(deep, size=(17, 23), mode='bilinear'), steer),
            F.relu(f) + torch.sigmoid(f + steer) * f,
        )
    with pytest.raises(ValueError, match='needs gate=True'):
        AfN(8, 4, 6, gate=False, cross_attention=True)


def test_afn_ungated_by_hand():
    afn = AfN(8, 4, 6, gate=False)
    randomise_bn_stats(afn)
    afn.eval()
    deep, skip = torch.randn(2, 8, 9, 12), torch.randn(2, 4, 17, 23)
    up = F.interpolate(deep, size=(17, 23), mode='bilinear', align_corners=False)
    d = F.relu(afn.deep_proj.bn(afn.deep_proj.conv(up)))
    s = F.relu(afn.skip_proj.bn(afn.skip_proj.conv(skip)))
    torch.testing.assert_close(afn(deep, skip), afn.fuse(torch.cat([d, s], 1)))
    gated = AfN(8, 4, 6, gate=True)
    assert sum(p.numel() for p in gated.parameters()) == sum(p.numel() for p in afn.parameters())


def test_afn_cross_attention_by_hand():
    afn = AfN(8, 4, 6, cross_attention=True)
    randomise_bn_stats(afn)
    afn.eval()
    deep, skip = torch.randn(2, 8, 9, 12), torch.randn(2, 4, 17, 23)
    up = F.interpolate(deep, size=(17, 23), mode='bilinear', align_corners=False)
    f, s = afn.deep_proj.bn(afn.deep_proj.conv(up)), afn.skip_proj(skip)
    a = afn.spatial_att(s)
    c = afn.channel_att(s.mean(dim=(2, 3), keepdim=True))
    assert a.shape == (2, 1, 17, 23) and c.shape == (2, 6, 1, 1)
    d = F.relu(f) + torch.sigmoid(f + a + c) * f  # the skip's logits inside the deep path's gate
    expected = afn.fuse(torch.cat([d, s], 1))
    torch.testing.assert_close(afn(deep, skip), expected)
    plain = AfN(8, 4, 6, cross_attention=False)
    plain.load_state_dict(afn.state_dict(), strict=False)
    plain.eval()
    assert not torch.allclose(plain(deep, skip), expected)


# ----------------------------------------------------------------------------------------------- DbN
@pytest.mark.parametrize('compress_channels', [None, 4])
@pytest.mark.parametrize('dam', [True, False])
@pytest.mark.parametrize('size', SIZES)
def test_dbn_shape(compress_channels, dam, size):
    dbn = DbN(8, 12, dilations=(1, 2, 6), compress_channels=compress_channels, dam=dam)
    assert dbn(torch.randn(2, 8, *size)).shape == (2, 12, *size)


@pytest.mark.parametrize('compress_channels', [None, 4])
def test_dbn_grads(compress_channels):
    dbn = DbN(8, 16, compress_channels=compress_channels, dam=True)
    x = torch.randn(2, 8, 17, 23, requires_grad=True)
    assert_finite_nonzero_grads(dbn, [x], dbn(x))


def test_dbn_dam_switch():
    plain = DbN(8, 16)
    assert not any(isinstance(m, DAM) for m in plain.modules())
    with_dam = DbN(8, 16, dam=True)
    assert isinstance(with_dam.dam, DAM)
    missing, unexpected = with_dam.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith('dam.') for k in missing)
    plain.eval()
    with_dam.eval()
    x = torch.randn(2, 8, 17, 23)
    plain_out, dam_out = plain(x), with_dam(x)
    assert not torch.allclose(plain_out, dam_out)
    torch.testing.assert_close(dam_out, with_dam.dam(plain_out))


def test_dbn_branch_widths():
    dbn = DbN(8, 12, dilations=(1, 3), compress_channels=4)
    assert [b.conv.dilation for b in dbn.branches] == [(1, 1), (3, 3)]
    assert dbn.compress.conv.out_channels == 4 and dbn.fuse.conv.in_channels == 8


# ----------------------------------------------------------------------------------------------- DAM
@pytest.mark.parametrize('size', SIZES)
def test_dam_shape_and_grads(size):
    dam = DAM(32, reduction=16, spatial_kernel=7)
    x = torch.randn(2, 32, *size, requires_grad=True)
    out = dam(x)
    assert out.shape == x.shape
    assert_finite_nonzero_grads(dam, [x], out)
    # A 1x1 map (avg = max pooling, all taps but the centre in the padding) is still well defined.
    assert dam(torch.randn(2, 32, 1, 1)).shape == (2, 32, 1, 1)


def test_dam_hidden_width_floor():
    dam = DAM(4, reduction=16, spatial_kernel=3)
    assert dam.channel_mlp[0].out_channels == 1
    assert dam(torch.randn(1, 4, 5, 6)).shape == (1, 4, 5, 6)


def test_dam_disabled_is_identity():
    dam = DAM(16, enabled=False)
    assert len(list(dam.parameters())) == 0
    x = torch.randn(2, 16, 9, 7)
    assert torch.equal(dam(x), x)


def test_dam_constant_input_numbers():
    channels, v, height, width, k = 4, 0.5, 5, 6, 7
    dam = DAM(channels, reduction=2, spatial_kernel=k)
    with torch.no_grad():
        dam.channel_mlp[0].weight.fill_(0.1)
        dam.channel_mlp[2].weight.fill_(0.1)
        dam.spatial_conv.weight.fill_(0.05)
    # Channel MLP: hidden units = relu(0.1 * 4 * v) = 0.2, outputs 0.1 * 2 * 0.2 = 0.04, same for avg and max.
    y = v * sigmoid(2 * 0.04)

    # Spatial: mean and max over channels both equal y; a zero-padded all-0.05 kernel sums the valid taps.
    def taps(i: int, n: int) -> int:
        return min(i + k // 2, n - 1) - max(i - k // 2, 0) + 1

    expected = torch.tensor(
        [[y * sigmoid(0.05 * taps(i, height) * taps(j, width) * 2 * y) for j in range(width)] for i in range(height)]
    )
    out = dam(torch.full((1, channels, height, width), v))
    for c in range(channels):
        torch.testing.assert_close(out[0, c], expected)
