# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""MultiTaskEncoderDecoder, the auxiliary heads and their losses, and RGB checkpoints in wider stems."""

import copy

import pytest
import torch
from conftest import shared_file
from mmengine.config import ConfigDict
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

from mmext.models.losses import ScaleShiftInvariantLoss, align_scale_shift

NORM = dict(type='BN', requires_grad=True)


def heads(channels=128):
    return dict(
        landmarks=dict(
            type='LandmarkHeatmapHead',
            in_channels=[channels] * 3,
            in_index=[0, 1, 2],
            channels=64,
            decoder=dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0),
            loss_weight=100.0,
        ),
        skeleton=dict(
            type='SkeletonHead',
            in_channels=[channels] * 2,
            in_index=[0, 1],
            channels=32,
            decoder=dict(type='LimbMapCodec', stride=4, width=6.0),
            loss_weight=0.5,
        ),
        depth=dict(type='DepthHead', in_channels=[channels] * 3, in_index=[0, 1, 2], channels=32, target_stride=4),
    )


def model_cfg(aux_task_heads=None, in_channels=3, **test_cfg):
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    cfg = dict(
        type='MultiTaskEncoderDecoder' if aux_task_heads is not None else 'EncoderDecoder',
        data_preprocessor=dict(
            type='MultiChannelSegDataPreProcessor',
            mean=mean + [0.0] * (in_channels - 3),
            std=std + [255.0] * (in_channels - 3),
            bgr_to_rgb=True,
            size=(128, 96),
        ),
        backbone=dict(type='TopFormer', arch='tiny', in_channels=in_channels, norm_cfg=NORM, drop_path_rate=0.0),
        decode_head=dict(
            type='TopFormerHead',
            in_channels=[128] * 3,
            in_index=[0, 1, 2],
            channels=128,
            is_dw=True,
            num_classes=18,
            norm_cfg=NORM,
            dropout_ratio=0.0,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
        ),
        test_cfg=dict(mode='whole', **test_cfg),
    )
    if aux_task_heads is not None:
        cfg['aux_task_heads'] = aux_task_heads
    return cfg


def build(cfg):
    init_default_scope('mmseg')
    return MODELS.build(ConfigDict(cfg))  # as from a config file: attribute access to test_cfg


@pytest.fixture(scope='module')
def batch(synthetic_dresscode):
    init_default_scope('mmseg')
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='LoadDressCodeKeypoints'),
        dict(type='LoadSkeletonMask'),
        dict(type='LoadDepthMap'),
        dict(type='GenerateLandmarkHeatmaps', encoder=dict(type='StridedMSRAHeatmap', stride=4, sigma=2.0)),
        dict(type='GenerateLimbMaps', encoder=dict(type='LimbMapCodec', stride=4, width=6.0)),
        dict(type='PackMultiTaskInputs'),
    ]
    dataset = DATASETS.build(dict(type='DressCodeDataset', data_root=str(synthetic_dresscode), pipeline=pipeline))
    return pseudo_collate([dataset[i] for i in (0, 9, 17, 20)])


def test_inference_outputs_equal_the_segmentation_model(batch):
    torch.manual_seed(0)
    multitask = build(model_cfg(heads())).eval()
    plain = build(model_cfg()).eval()
    state = {k: v for k, v in multitask.state_dict().items() if not k.startswith('aux_task_heads.')}
    plain.load_state_dict(state, strict=True)
    data = multitask.data_preprocessor(copy.deepcopy(batch), training=False)
    with torch.no_grad():
        assert torch.equal(multitask(data['inputs'], mode='tensor'), plain(data['inputs'], mode='tensor'))
        ours = multitask(data['inputs'], copy.deepcopy(data['data_samples']), mode='predict')
        theirs = plain(data['inputs'], copy.deepcopy(data['data_samples']), mode='predict')
    for a, b in zip(ours, theirs):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert 'pred_landmarks' not in a
    # Asking for landmark predictions (for PCK) adds them without touching the segmentation.
    evaluating = build(model_cfg(heads(), aux_predict=('landmarks', 'depth'))).eval()
    evaluating.load_state_dict(multitask.state_dict())
    with torch.no_grad():
        extra = evaluating(data['inputs'], copy.deepcopy(data['data_samples']), mode='predict')
    for a, b in zip(extra, ours):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
        assert a.pred_landmarks.keypoints.shape == (1, 18, 2)
        assert a.pred_depth.data.shape == (1, *a.ori_shape)
    with pytest.raises(ValueError, match='not in aux_task_heads'):
        build(model_cfg(dict(landmarks=heads()['landmarks']), aux_predict=('depth',)))


def test_losses_are_prefixed_and_weighted(batch):
    torch.manual_seed(0)
    model = build(model_cfg(heads()))
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    losses = model(**data, mode='loss')
    assert {
        'decode.loss_ce',
        'aux_landmarks.loss_kpt',
        'aux_skeleton.loss_bce',
        'aux_skeleton.loss_dice',
        'aux_depth.loss_depth',
    } <= set(losses)
    model.aux_task_heads.landmarks.loss_weight *= 3
    tripled = model(**model.data_preprocessor(copy.deepcopy(batch), training=True), mode='loss')
    assert tripled['aux_landmarks.loss_kpt'].item() == pytest.approx(
        3 * losses['aux_landmarks.loss_kpt'].item(), rel=1e-4
    )


def test_each_auxiliary_loss_falls_on_a_small_synthetic_set(batch):
    torch.manual_seed(0)
    model = build(model_cfg(heads()))
    model.init_weights()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    history = []
    for _ in range(60):
        losses = model(**model.data_preprocessor(copy.deepcopy(batch), training=True), mode='loss')
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        per_task = {}
        for key, value in losses.items():
            if 'loss' in key:
                task = key.split('.')[0]
                per_task[task] = per_task.get(task, 0.0) + value.item()
        history.append(per_task)
    assert set(history[0]) == {'decode', 'aux_landmarks', 'aux_skeleton', 'aux_depth'}
    for task in history[0]:
        start = sum(h[task] for h in history[:3]) / 3
        end = sum(h[task] for h in history[-3:]) / 3
        assert end < 0.7 * start, (task, start, end)


def test_ohkm_loss_and_skeleton_image_target(batch):
    torch.manual_seed(0)
    cfg = heads()
    cfg['landmarks']['loss'] = dict(type='KeypointOHKMMSELoss', use_target_weight=True, topk=4)
    cfg['skeleton'].update(target='skeleton_image', loss_dice_weight=0.0)
    model = build(model_cfg(dict(landmarks=cfg['landmarks'], skeleton=cfg['skeleton'])))
    assert model.aux_task_heads.skeleton.conv_out.out_channels == 1
    losses = model(**model.data_preprocessor(copy.deepcopy(batch), training=True), mode='loss')
    assert 'aux_skeleton.loss_dice' not in losses
    assert torch.isfinite(losses['aux_landmarks.loss_kpt']) and losses['aux_skeleton.loss_bce'] > 0
    with pytest.raises(ValueError, match='target'):
        build(dict(cfg['skeleton'], target='pose'))


def test_scale_shift_invariant_loss():
    torch.manual_seed(0)
    target = torch.rand(2, 1, 16, 12)
    mask = torch.ones_like(target, dtype=torch.bool)
    mask[:, :, -3:] = False
    pred = torch.rand(2, 1, 16, 12)
    for mode in ('ssimse', 'ssitrim'):
        loss = ScaleShiftInvariantLoss(mode=mode)
        assert loss(3.0 * target - 0.7, target, mask).item() == pytest.approx(0.0, abs=1e-5)
        assert loss(2.5 * pred + 4.0, target, mask).item() == pytest.approx(loss(pred, target, mask).item(), rel=1e-3)
        assert loss(pred, target, mask) > 0.01
    # Pixels outside the mask do not matter.
    changed = pred.clone()
    changed[:, :, -3:] = 100.0
    loss = ScaleShiftInvariantLoss()
    assert loss(changed, target, mask).item() == pytest.approx(loss(pred, target, mask).item(), rel=1e-5)
    scale, shift = align_scale_shift((target[:, 0] - 1) / 2, target[:, 0], mask[:, 0])
    assert torch.allclose(scale, torch.tensor([2.0, 2.0])) and torch.allclose(shift, torch.tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match='mode'):
        ScaleShiftInvariantLoss(mode='l1')


@pytest.mark.parametrize('rule', ['zeros', 'rgb_mean'])
def test_rgb_checkpoint_loads_into_a_wider_stem(rule):
    golden = torch.load(shared_file('golden/topformer_tiny_official.pt'), weights_only=False)
    state = {k: v.float() if v.is_floating_point() else v for k, v in golden['state_dict'].items()}
    init_default_scope('mmseg')
    rgb = build(dict(model_cfg(), decode_head=dict(model_cfg()['decode_head'], num_classes=150))).eval()
    wide_cfg = model_cfg(in_channels=5)
    wide_cfg['backbone']['extra_in_channels_init'] = rule
    wide_cfg['decode_head']['num_classes'] = 150
    wide = build(wide_cfg).eval()
    rgb.load_state_dict(state, strict=True)
    wide.load_state_dict(state, strict=True)  # the 3-channel stem weight is widened on load
    stem = wide.backbone.tpm.stem[0].c.weight
    assert stem.shape[1] == 5
    torch.testing.assert_close(stem[:, :3], state['backbone.tpm.stem.0.c.weight'])
    expected_extra = (
        torch.zeros_like(stem[:, 3:]) if rule == 'zeros' else stem[:, :3].mean(1, keepdim=True).expand(-1, 2, -1, -1)
    )
    torch.testing.assert_close(stem[:, 3:], expected_extra)
    x = golden['input']
    with torch.no_grad():
        reference = rgb(x, mode='tensor')
        zero_extra = wide(torch.cat([x, torch.zeros(1, 2, *x.shape[2:])], 1), mode='tensor')
        random_extra = wide(torch.cat([x, torch.randn(1, 2, *x.shape[2:])], 1), mode='tensor')
    assert ((zero_extra - reference).abs().max() / reference.abs().max()) < 1e-5
    assert ((zero_extra - golden['logits']).abs().max() / golden['logits'].abs().max()) < 1e-4
    if rule == 'zeros':
        assert ((random_extra - reference).abs().max() / reference.abs().max()) < 1e-5
    else:
        assert ((random_extra - reference).abs().max() / reference.abs().max()) > 1e-3


def test_ssitrim_trims_each_image_by_itself():
    """MiDaS trims the largest residuals of every image: an image whose errors are all large keeps its (1 -
    trim) share instead of being trimmed away by a batch-wide cut."""
    torch.manual_seed(0)
    target = torch.rand(2, 1, 10, 10)
    mask = torch.ones_like(target, dtype=torch.bool)
    pred = target.clone()
    pred[1] = torch.rand(1, 10, 10)  # image 1 wrong everywhere, image 0 exact
    loss = ScaleShiftInvariantLoss(mode='ssitrim', trim=0.5, gradient_weight=0.0)
    from mmext.models.losses.scale_shift_invariant import _normalise_median_mad

    errors = (_normalise_median_mad(pred[:, 0], mask[:, 0]) - _normalise_median_mad(target[:, 0], mask[:, 0])).abs()
    kept = [torch.sort(e.reshape(-1))[0][:50] for e in errors]  # per image: the 50 smallest of 100
    assert loss(pred, target, mask).item() == pytest.approx(torch.cat(kept).mean().item(), rel=1e-6)
    batch_wide = torch.sort(errors.reshape(-1))[0][:100].mean().item()  # what a batch-wide cut would give
    assert loss(pred, target, mask).item() > 1.5 * batch_wide


def test_depth_targets_average_image_pixels_only_at_the_padded_border():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    from mmseg.utils import stack_batch

    head = build(heads()['depth'])
    captured = {}

    class Capture(torch.nn.Module):
        def forward(self, pred, target, mask):
            captured.update(target=target, mask=mask)
            return pred.sum() * 0

    head.loss_fn = Capture()
    samples = []
    for height, width in ((30, 22), (32, 24)):  # the first is padded to 32 x 24: a partial border cell
        sample = SegDataSample()
        sample.gt_depth_map = PixelData(data=torch.full((1, height, width), 0.8))
        samples.append(sample)
    # As SegDataPreProcessor in training: the batch and gt_depth_map padded to one size, the padding 255.
    _, samples = stack_batch([torch.zeros(3, 30, 22), torch.zeros(3, 32, 24)], samples, size=(32, 24), seg_pad_val=255)
    assert samples[0].gt_depth_map.data.shape == (1, 32, 24) and samples[0].gt_depth_map.data.max() == 255
    head.loss([torch.randn(2, 128, 4, 3)] * 3, samples)
    target, mask = captured['target'], captured['mask']
    assert target.shape == (2, 1, 8, 6) and mask.bool().all()
    # Every cell, the border cells of the padded image included, averages 0.8s only (the padding is ignored).
    torch.testing.assert_close(target, torch.full_like(target, 0.8))


def test_dense_auxiliary_predictions_are_in_the_original_image():
    """AuxTaskHead's promise: the image's own cells of the padded batch, resized to ``ori_shape``."""
    from mmseg.structures import SegDataSample

    samples = []
    for img_shape, ori_shape in (((30, 22), (60, 44)), ((32, 24), (32, 24))):
        sample = SegDataSample()
        sample.set_metainfo(dict(img_shape=img_shape, ori_shape=ori_shape, pad_shape=(32, 24)))
        samples.append(sample)
    skeleton, depth = build(heads()['skeleton']), build(heads()['depth'])
    for head in (skeleton, depth):
        # Outputs at the target stride of the 32 x 24 batch (8 x 6 cells), all 0.
        head.forward = lambda inputs, channels=head.conv_out.out_channels: torch.zeros(2, channels, 8, 6)
    skeleton.predict([], samples)
    depth.predict([], samples)
    for sample in samples:
        assert sample.pred_limb_maps.data.shape == (17, *sample.ori_shape)
        torch.testing.assert_close(sample.pred_limb_maps.data, torch.full((17, *sample.ori_shape), 0.5))
        assert sample.pred_depth.data.shape == (1, *sample.ori_shape)
    # A smaller image in the batch: the padding cells must not reach the prediction.
    small = SegDataSample()
    small.set_metainfo(dict(img_shape=(16, 12), ori_shape=(48, 36), pad_shape=(32, 24)))
    logits = torch.full((2, 17, 8, 6), 50.0)
    logits[:, :, :4, :3] = -50.0  # the image's own 4 x 3 cells
    skeleton.forward = lambda inputs: logits
    skeleton.predict([], [small, copy.deepcopy(small)])
    assert small.pred_limb_maps.data.shape == (17, 48, 36) and small.pred_limb_maps.data.max() < 1e-6


def test_depth_aware_resize_keeps_labels_nearest_and_resizes_depth_bilinearly():
    import numpy as np

    init_default_scope('mmseg')
    from mmseg.registry import TRANSFORMS

    from mmext.datasets.transforms.geometry import register_continuous_field

    def sample():
        depth = np.tile(np.linspace(0, 1, 8, dtype=np.float32), (8, 1))
        results = dict(
            img=np.zeros((8, 8, 3), np.uint8),
            gt_seg_map=(depth > 0.5).astype(np.uint8),
            gt_depth_map=depth,
            seg_fields=['gt_seg_map'],
        )
        register_continuous_field(results, 'gt_depth_map')
        return results

    for step in (
        dict(type='DepthAwareResize', scale=(16, 16), keep_ratio=False),
        dict(
            type='RandomResize',
            scale=(16, 16),
            ratio_range=(1.0, 1.0),
            keep_ratio=False,
            resize_type='DepthAwareResize',
        ),
    ):
        out = TRANSFORMS.build(step)(sample())
        assert set(np.unique(out['gt_seg_map'])) == {0, 1}  # labels stay labels
        row = out['gt_depth_map'][0]
        assert len(np.unique(row)) > 8  # bilinear: new intermediate values, not the 8 steps of nearest neighbour
        assert np.all(np.diff(row) >= 0) and row.min() >= 0 and row.max() <= 1
        assert out['seg_fields'] == ['gt_seg_map', 'gt_depth_map']
    # mmseg's own Resize is untouched: every seg field by nearest neighbour.
    plain = TRANSFORMS.build(dict(type='Resize', scale=(16, 16), keep_ratio=False))(sample())
    assert len(np.unique(plain['gt_depth_map'][0])) == 8
