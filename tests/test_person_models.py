# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The fast person/background study's models (docs/models.md): SegFormer-B0, the conv-upsampling decoder,
SERSegFormer and SERNet-Former."""

import pytest
import timm
import torch
from conftest import REPO, randomise_bn_stats
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmext.utils.benchmarking import build_inference_segmentor

PERSON_MODELS = {
    'segformer_b0': 'configs/sersegformer/segformer_b0_8xb2-160k_easyportrait-person-512x512.py',
    'convdec': 'configs/sersegformer/sersegformer_b0-convdec_8xb2-160k_easyportrait-person-512x512.py',
    'sersegformer': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam_8xb2-160k_easyportrait-person-512x512.py',
    'sersegformer_afn': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-afn_8xb2-160k_easyportrait-person-512x512.py',  # noqa: E501 (a config path)
    'sersegformer_depth': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-depth_8xb2-160k_easyportrait-person-512x512.py',  # noqa: E501 (a config path)
    'sernet_former_effb0': 'configs/sernet_former/sernet_former_effb0_8xb2-160k_easyportrait-person-512x512.py',
}


def build(name: str, **head):
    cfg = Config.fromfile(str(REPO / PERSON_MODELS[name]))
    cfg.model.decode_head.update(head)
    return build_inference_segmentor(cfg), cfg


def count(module) -> int:
    return sum(p.numel() for p in module.parameters())


# Exact parameter counts (2 classes unless noted); the study reported SegFormer-B0 3.7 M, + conv decoder 3.9 M,
# full SERSegFormer 4.2 M (ours 4.42 M: our channel gates are full 1x1 convs, see the project README).
PARAMS = dict(
    segformer_b0=3_715_682,
    convdec=3_982_562,
    sersegformer=4_421_060,
    sersegformer_afn=3_923_399,
    sersegformer_depth=4_422_628,
    sernet_former_effb0=5_759_102,
)


def test_parameter_counts_are_exact_and_near_the_reported_ones():
    segformer, _ = build('segformer_b0', num_classes=150)
    assert count(segformer) == 3_753_718  # mmseg's SegFormer-B0 with an ADE20K head
    counts = {name: count(build(name)[0]) for name in PERSON_MODELS}
    assert counts == PARAMS
    assert counts['sersegformer_depth'] - counts['sersegformer'] == 32 * 7 * 7  # one stem input channel more


@pytest.mark.parametrize('name', list(PERSON_MODELS))
@pytest.mark.parametrize('size', [(64, 64), (75, 97)])
def test_every_variant_segments_at_any_input_size(name, size):
    model, cfg = build(name)
    channels = len(cfg.model.data_preprocessor.mean)
    with torch.no_grad():
        logits = model(torch.randn(1, channels, *size), mode='tensor')
    assert logits.shape[:2] == (1, 2) and torch.isfinite(logits).all()
    # Stride-4 logits (rounded up by the strided convs of the encoder).
    assert abs(logits.shape[2] - size[0] / 4) <= 1 and abs(logits.shape[3] - size[1] / 4) <= 1


def test_conv_upsample_head_switches_change_the_modules():
    init_default_scope('mmseg')
    base = dict(
        type='ConvUpsampleHead',
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        channels=64,
        num_classes=2,
        norm_cfg=dict(type='BN'),
    )
    plain = MODELS.build(base)
    gated = MODELS.build(dict(base, abg=True))
    bridged = MODELS.build(dict(base, dbn=dict(dilations=(1, 2), compress_channels=16, dam=True)))
    fused = MODELS.build(dict(base, afn=True))
    assert plain.bridge is None and not any('gate' in n for n, _ in plain.named_parameters())
    assert any('gate.channel_conv' in n for n, _ in gated.named_parameters())
    assert bridged.bridge is not None and bridged.bridge.dam is not None
    assert hasattr(fused, 'fusions') and not hasattr(fused, 'fusion')
    # Stage i is upsampled in i learned steps.
    assert [len(up) for up in plain.ups] == [0, 1, 2, 3]
    features = [torch.randn(2, c, 32 // 2**i, 32 // 2**i) for i, c in enumerate([32, 64, 160, 256])]
    for head in (plain, gated, bridged, fused):
        assert head(features).shape == (2, 2, 32, 32)
    with pytest.raises(ValueError, match='block_type'):
        MODELS.build(dict(base, block_type='deconv'))


def test_rgb_checkpoint_loads_into_the_depth_model_and_ignores_depth_at_first(tmp_path):
    """With 'zeros' init the RGB + depth SERSegFormer starts as exactly the RGB model."""
    rgb, _ = build('sersegformer')
    depth, _ = build('sersegformer_depth')
    torch.manual_seed(0)
    for p in rgb.parameters():
        p.data.normal_(0, 0.05)
    path = tmp_path / 'rgb.pth'
    torch.save({'state_dict': rgb.state_dict()}, path)
    depth.load_state_dict(torch.load(path)['state_dict'], strict=True)
    stem = depth.backbone.layers[0][0].projection.weight
    assert stem.shape[1] == 4 and not stem[:, 3].any()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = rgb(x)
        for depth_channel in (torch.zeros(1, 1, 64, 64), torch.rand(1, 1, 64, 64)):
            torch.testing.assert_close(depth(torch.cat([x, depth_channel], 1)), expected)


def test_sernet_former_loads_a_local_timm_checkpoint_and_widens_its_stem(tmp_path):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    classifier = timm.create_model('efficientnet_b0', pretrained=False)
    path = tmp_path / 'efficientnet_b0_imagenet.pth'
    torch.save(classifier.state_dict(), path)
    backbone = MODELS.build(
        dict(
            type='SERNetFormer',
            encoder='efficientnet_b0',
            in_channels=4,
            init_cfg=dict(type='Pretrained', checkpoint=str(path)),
        )
    )
    backbone.init_weights()
    stem = backbone.encoder.conv_stem.weight
    torch.testing.assert_close(stem[:, :3], classifier.conv_stem.weight)
    assert not stem[:, 3].any()
    torch.testing.assert_close(backbone.encoder.blocks[3][0].conv_pw.weight, classifier.blocks[3][0].conv_pw.weight)
    outputs = backbone(torch.randn(1, 4, 64, 64))
    assert [o.shape[1:] for o in outputs] == [(24, 16, 16), (40, 8, 8), (112, 4, 4), (320, 2, 2)]
    with pytest.raises(ValueError, match='needs strides 4, 8, 16, 32'):
        MODELS.build(dict(type='SERNetFormer', encoder='efficientnet_b0', out_indices=(0, 1, 2, 3)))
    with pytest.raises(FileNotFoundError, match='not found'):
        MODELS.build(
            dict(
                type='SERNetFormer',
                encoder='efficientnet_b0',
                init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'missing.pth')),
            )
        ).init_weights()


@pytest.mark.parametrize('name', ['sersegformer_afn', 'sernet_former_effb0'])
def test_a_training_step_reaches_every_parameter(name):
    model, cfg = build(name)
    segmentor = model.train()
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    samples = []
    for _ in range(2):
        sample = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, 2, (1, 64, 64))))
        sample.set_metainfo(dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(sample)
    losses = segmentor.loss(torch.randn(2, 3, 64, 64), samples)
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    unused = [n for n, p in segmentor.named_parameters() if p.requires_grad and p.grad is None]
    assert not unused, unused


def test_sernet_former_gates_every_residual_block_on_its_bn_output():
    """AbG as in the paper: f = BN(conv(x)) of a block's last conv, out = block(x) + sigmoid(f) * f."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    gated = MODELS.build(dict(type='SERNetFormer', encoder='resnet18')).eval()
    plain = MODELS.build(dict(type='SERNetFormer', encoder='resnet18', abg=False)).eval()
    randomise_bn_stats(gated)
    plain.load_state_dict(gated.state_dict())
    assert len(gated.gates) == 8  # resnet18: 2 BasicBlocks in each of 4 stages
    block = gated.encoder.layer1[0]
    x = torch.randn(1, 64, 16, 16)
    with torch.no_grad():
        f = block.bn2(block.conv2(block.act1(block.bn1(block.conv1(x)))))
        expected = block.act2(f + x) + torch.sigmoid(f) * f
        torch.testing.assert_close(block(x), expected)
        torch.testing.assert_close(plain.encoder.layer1[0](x), block.act2(f + x))
        image = torch.randn(1, 3, 64, 64)
        assert not torch.allclose(gated(image)[0], plain(image)[0])
    stage = MODELS.build(dict(type='SERNetFormer', encoder='resnet18', abg_placement='stage'))
    assert len(stage.gates) == 4
    with pytest.raises(ValueError, match='abg_placement'):
        MODELS.build(dict(type='SERNetFormer', encoder='resnet18', abg_placement='layer'))


def test_a_deep_copy_of_sernet_former_gates_with_its_own_gates():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(dict(type='SERNetFormer', encoder='resnet18', abg_mode='channel')).eval()
    import copy

    twin = copy.deepcopy(model).double()  # as the float64 reference of the ONNX export check
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        got = twin(x.double())
    for a, b in zip(expected, got):
        assert b.dtype == torch.float64 and ((a.double() - b).abs().max() / b.abs().max()) < 1e-5
