# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Test-time post-processing: DenseCRF, RemoveSmallRegions, SuperpixelVote, the segmentors that take them
(PostProcessEncoderDecoder, MultiTaskEncoderDecoder) and the postprocess_effect tool."""

import copy
import json
import runpy
from typing import Tuple

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO, run_tool, shared_file
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmext.models.postprocess import DenseCRF, RemoveSmallRegions, SuperpixelVote, felzenszwalb
from mmext.models.segmentors.postprocess import recover_rgb
from mmext.utils.distributed import replace_norm_type

TOPFORMER_TINY = REPO / 'configs/_base_/models/topformer_tiny.py'
TOOL = REPO / 'tools/analysis_tools/postprocess_effect.py'


def two_class_example(seed=0, height=64, width=64, flip_ratio=0.10):
    """Left half dark (class 0), right half bright (class 1); logits of the truth with ~10% of pixels flipped."""
    rng = np.random.default_rng(seed)
    truth = np.zeros((height, width), np.int64)
    truth[:, width // 2 :] = 1
    image = np.where(truth[..., None] == 1, 200.0, 50.0) + rng.normal(0, 5, (height, width, 3))
    noisy = np.where(rng.random((height, width)) < flip_ratio, 1 - truth, truth)
    logits = 2.0 * (2 * np.eye(2)[noisy] - 1) + rng.normal(0, 0.5, (height, width, 2))
    as_batch = lambda a: torch.tensor(a, dtype=torch.float32).permute(2, 0, 1)[None]  # noqa: E731
    return as_batch(image), as_batch(logits), torch.from_numpy(truth)


def miou(pred, truth, num_classes=2):
    pred = pred.squeeze()
    return float(
        np.mean(
            [
                ((pred == c) & (truth == c)).sum().item() / ((pred == c) | (truth == c)).sum().item()
                for c in range(num_classes)
            ]
        )
    )


def components(labels, label):
    """Areas of the 8-connected regions of ``label`` in an (H, W) label map, sorted."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(
        (np.asarray(labels) == label).astype(np.uint8), connectivity=8
    )
    return sorted(stats[1:, cv2.CC_STAT_AREA].tolist())


# (a) each step on the hand-made example


@pytest.mark.parametrize(
    'step',
    [
        DenseCRF(),
        DenseCRF(scale=1.0),
        SuperpixelVote(),
        SuperpixelVote(vote='majority'),
        SuperpixelVote(max_side=32, min_size=12),
    ],
    ids=repr,
)
def test_crf_and_superpixel_vote_clean_up_salt_noise(step):
    image, logits, truth = two_class_example()
    noisy = miou(logits.argmax(1), truth)
    refined = step(logits, image)
    assert refined.shape == logits.shape and refined.dtype == torch.float32
    assert torch.allclose(refined.exp().sum(1), torch.ones(1, 64, 64), atol=1e-3)  # log-probabilities
    cleaned = miou(refined.argmax(1), truth)
    print(f'{step!r}: mIoU noisy {noisy:.4f} -> {cleaned:.4f}')
    assert noisy < 0.85 and cleaned > 0.98 and cleaned - noisy > 0.13


# Grid-graph edges as (dy, dx) towards a neighbour; each undirected edge appears once.
_EDGE_OFFSETS = {4: ((0, 1), (1, 0)), 8: ((0, 1), (1, 0), (1, 1), (1, -1))}


def _grid_edges(image: np.ndarray, connectivity: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Endpoints (flat indices) and Euclidean colour distances of the grid graph's edges."""
    height, width = image.shape[:2]
    index = np.arange(height * width, dtype=np.int64).reshape(height, width)
    sources, targets, weights = [], [], []
    for dy, dx in _EDGE_OFFSETS[connectivity]:
        ys, yt = slice(0, height - dy), slice(dy, height)
        xs = slice(max(0, -dx), width - max(0, dx))
        xt = slice(max(0, dx), width + min(0, dx))
        sources.append(index[ys, xs].reshape(-1))
        targets.append(index[yt, xt].reshape(-1))
        weights.append(np.sqrt(np.square(image[ys, xs] - image[yt, xt]).sum(-1)).reshape(-1))
    return np.concatenate(sources), np.concatenate(targets), np.concatenate(weights)


def reference_felzenszwalb(
    image: np.ndarray, scale: float = 100.0, sigma: float = 0.8, min_size: int = 50, connectivity: int = 8
) -> np.ndarray:
    """The project's earlier pure-Python Felzenszwalb & Huttenlocher, which measured the superpixel vote's
    gain: scikit-image's compiled version must give the same partitions. Returns (H, W) labels 0..K-1.

    Felzenszwalb & Huttenlocher (2004): the image is smoothed by a Gaussian of ``sigma``; the edges of the 4- or
    8-connected pixel grid, weighted by colour distance (Euclidean, in the image's units), are taken in
    increasing order, and an edge joins its two components when its weight is at most both components'
    ``Int(C) + scale / |C|`` (``Int``: largest edge of the component's minimum spanning tree). Afterwards,
    components smaller than ``min_size`` are merged along the remaining edges in the same order.
    """
    if connectivity not in _EDGE_OFFSETS:
        raise ValueError(f'connectivity must be 4 or 8, got {connectivity}')
    image = np.asarray(image, np.float32)
    if image.ndim == 2:
        image = image[..., None]
    height, width = image.shape[:2]
    if sigma > 0:
        radius = int(np.ceil(4 * sigma))
        image = cv2.GaussianBlur(image, (2 * radius + 1, 2 * radius + 1), sigma, borderType=cv2.BORDER_REFLECT)
        if image.ndim == 2:
            image = image[..., None]
    sources, targets, weights = _grid_edges(image, connectivity)
    order = np.argsort(weights, kind='stable')
    sources, targets, weights = sources[order], targets[order], weights[order]

    parent = list(range(height * width))
    size = [1] * len(parent)
    threshold = [float(scale)] * len(parent)  # Int(C) + scale / |C| of each root
    for a, b, w in zip(sources.tolist(), targets.tolist(), weights.tolist()):
        while parent[a] != a:  # find the roots, halving the paths on the way
            parent[a] = a = parent[parent[a]]
        while parent[b] != b:
            parent[b] = b = parent[parent[b]]
        if a != b and w <= threshold[a] and w <= threshold[b]:
            if size[a] < size[b]:
                a, b = b, a
            parent[b] = a
            size[a] += size[b]
            threshold[a] = w + scale / size[a]  # edges come sorted: w is the new Int(C)
    if min_size > 1:
        # Only edges between different components can merge; keep their order.
        roots = _roots(parent)
        between = roots[sources] != roots[targets]
        for a, b in zip(sources[between].tolist(), targets[between].tolist()):
            while parent[a] != a:
                parent[a] = a = parent[parent[a]]
            while parent[b] != b:
                parent[b] = b = parent[parent[b]]
            if a != b and (size[a] < min_size or size[b] < min_size):
                if size[a] < size[b]:
                    a, b = b, a
                parent[b] = a
                size[a] += size[b]
    return np.unique(_roots(parent), return_inverse=True)[1].reshape(height, width)


def _roots(parent: list) -> np.ndarray:
    """The root of every element of a union-find forest (pointer jumping in numpy)."""
    roots = np.asarray(parent, np.int64)
    while True:
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            return roots
        roots = jumped


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.ravel().tolist(), b.ravel().tolist()))
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


@pytest.mark.parametrize('source', ['two_halves', 'noise', 'ccp_photo'])
def test_scikit_image_felzenszwalb_gives_the_partitions_of_the_measured_implementation(source):
    if source == 'two_halves':
        image = two_class_example()[0][0].permute(1, 2, 0).numpy()
    elif source == 'noise':
        image = np.random.default_rng(0).integers(0, 256, (48, 40, 3)).astype(np.float32)
    else:
        photo = cv2.imread(str(shared_file('data/ccp/photos/0001.jpg')))
        image = cv2.resize(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB), (96, 145), interpolation=cv2.INTER_AREA)
    image = np.rint(image).astype(np.float32)
    for scale, min_size in ((100, 50), (30, 10)):
        ours = felzenszwalb(image, scale=scale, sigma=0.8, min_size=min_size)
        assert same_partition(ours, reference_felzenszwalb(image, scale=scale, sigma=0.8, min_size=min_size))


def test_felzenszwalb_finds_the_two_halves():
    image, _, truth = two_class_example()
    segments = felzenszwalb(image[0].permute(1, 2, 0).numpy(), scale=100, sigma=0.8, min_size=50)
    assert segments.shape == (64, 64) and segments.min() == 0
    assert np.bincount(segments.ravel()).min() >= 50
    # No superpixel straddles the boundary between the halves.
    for segment in np.unique(segments):
        assert len(np.unique(truth.numpy()[segments == segment])) == 1


def speck_example():
    """3 classes on 40 x 40: specks below 10 pixels (expected to vanish) and regions of 10+ pixels (kept)."""
    labels = np.zeros((40, 40), np.int64)
    labels[5:25, 5:25] = 1  # large class-1 block
    labels[10:12, 10:13] = 0  # 6-pixel hole of class 0 in it            -> 1
    labels[30, 2] = 1  # 1-pixel class-1 speck                    -> 0
    labels[30:32, 8:10] = 2  # 4-pixel class-2 speck                    -> 0
    labels[33:36, 14:17] = 1  # 9-pixel class-1 speck                    -> 0
    labels[30:32, 25:30] = 2  # 10 pixels: exactly min_area, kept
    labels[2:5, 30:34] = 1  # 12 pixels, kept
    labels[34:38, 30:34] = 2  # 16 pixels, kept
    labels[15:18, 30:33] = 1  # 9-pixel class-1 speck around a 1-pixel class-2 speck -> both 0
    labels[16, 31] = 2
    expected = np.zeros_like(labels)
    expected[5:25, 5:25] = 1
    expected[30:32, 25:30] = 2
    expected[2:5, 30:34] = 1
    expected[34:38, 30:34] = 2
    return labels, expected


@pytest.mark.parametrize('min_area', [10, 10 / 1600, [10, 10, 10]], ids=['pixels', 'fraction', 'per-class'])
def test_remove_small_regions_removes_exactly_the_specks(min_area):
    labels, expected = speck_example()
    logits = 3.0 * F.one_hot(torch.from_numpy(labels), 3).permute(2, 0, 1)[None].float()
    out = RemoveSmallRegions(min_area=min_area)(logits, None)
    result = out.argmax(1)[0].numpy()
    before = {c: components(labels, c) for c in range(3)}
    after = {c: components(result, c) for c in range(3)}
    assert before == {0: [6, 1139], 1: [1, 8, 9, 12, 394], 2: [1, 4, 10, 16]}
    assert after == {0: [1600 - 400 - 10 - 12 - 16], 1: [12, 400], 2: [10, 16]}
    assert np.array_equal(result, expected)
    # Pixels that kept their label keep their scores; relabelled ones get one-hot-like log-probabilities.
    unchanged = torch.from_numpy(result == labels)
    assert torch.equal(out[0][:, unchanged], F.log_softmax(logits, 1)[0][:, unchanged])
    assert torch.allclose(out[0][:, ~unchanged].exp().max(0).values, torch.tensor(1 - 1e-4))


def test_remove_small_regions_respects_classes_and_one_hot_output():
    labels, _ = speck_example()
    logits = 3.0 * F.one_hot(torch.from_numpy(labels), 3).permute(2, 0, 1)[None].float()
    result = RemoveSmallRegions(min_area=10, classes=[2], keep_scores=False)(logits).argmax(1)[0].numpy()
    # Only class 2's specks go: the 4-pixel one into the background, the 1-pixel one into its class-1 ring.
    assert components(result, 2) == [10, 16] and components(result, 1) == [1, 9, 9, 12, 394]
    assert components(result, 0) == [6, 1139 + 4]
    assert RemoveSmallRegions(min_area=10, keep_scores=False)(logits).exp().max(1).values.min() > 0.999


def test_remove_small_regions_cleans_salt_noise():
    image, logits, truth = two_class_example()
    noisy = miou(logits.argmax(1), truth)
    cleaned = miou(RemoveSmallRegions(min_area=10)(logits, image).argmax(1), truth)
    print(f'RemoveSmallRegions(min_area=10): mIoU noisy {noisy:.4f} -> {cleaned:.4f}')
    assert cleaned - noisy > 0.1


# (b) batching


@pytest.mark.parametrize(
    'step', [DenseCRF(), DenseCRF(scale=1.0, window=7), RemoveSmallRegions(min_area=10), SuperpixelVote()], ids=repr
)
def test_batch_equals_one_by_one(step):
    examples = [two_class_example(seed=0), two_class_example(seed=1, flip_ratio=0.2)]
    images = torch.cat([e[0] for e in examples])
    images[1] = images[1].flip(-1)  # different images: bright half on the left
    logits = torch.cat([e[1] for e in examples])
    batched = step(logits, images)
    assert batched.shape == (2, 2, 64, 64)
    for i in range(2):
        single = step(logits[i : i + 1], images[i : i + 1])
        assert torch.allclose(batched[i : i + 1], single, atol=1e-5)
        assert torch.equal(batched[i : i + 1].argmax(1), single.argmax(1))


# (c) no iterations: the unary


def test_crf_without_iterations_returns_the_unary():
    image, logits, _ = two_class_example()
    logits = torch.cat([logits, torch.randn(1, 3, 64, 64)], 1)  # 5 classes
    out = DenseCRF(num_iters=0)(logits, image)
    assert torch.equal(out.argmax(1), logits.argmax(1))
    assert torch.allclose(out, F.log_softmax(logits, 1))


def test_crf_rejects_bad_arguments():
    with pytest.raises(ValueError, match='window'):
        DenseCRF(window=4)
    with pytest.raises(ValueError, match='C >= 2'):
        DenseCRF()(torch.zeros(1, 1, 8, 8), torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match='differ'):
        DenseCRF()(torch.zeros(1, 2, 8, 8), torch.zeros(1, 3, 8, 9))


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_steps_run_on_cuda():
    image, logits, _ = two_class_example()
    for step in (DenseCRF(), RemoveSmallRegions(min_area=10), SuperpixelVote()):
        cpu = step(logits, image)
        gpu = step(logits.cuda(), image.cuda())
        assert gpu.is_cuda and (gpu.argmax(1).cpu() != cpu.argmax(1)).float().mean() < 1e-3


# (d) segmentors with post-processing steps


def tiny_model_cfg(**changes):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(TOPFORMER_TINY))
    replace_norm_type(cfg.model, 'SyncBN', 'BN')
    cfg.model.decode_head.num_classes = 2
    cfg.model.update(changes)
    return cfg.model


@pytest.fixture(scope='module')
def noisy_models():
    """A plain random TopFormer-tiny EncoderDecoder whose classifier is centred so that it predicts a noisy mix of
    both classes, the same weights in a PostProcessEncoderDecoder, and a batch of 2 preprocessed images."""
    torch.manual_seed(0)
    plain = MODELS.build(tiny_model_cfg()).eval()
    steps = [dict(type='DenseCRF'), dict(type='RemoveSmallRegions', min_area=30), dict(type='SuperpixelVote')]
    post = MODELS.build(tiny_model_cfg(type='PostProcessEncoderDecoder', postprocess=steps)).eval()
    photos = torch.randint(0, 256, (2, 3, 64, 64), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    samples = [
        SegDataSample(metainfo=dict(ori_shape=(64, 64), img_shape=(64, 64), pad_shape=(64, 64))) for _ in range(2)
    ]
    data = plain.data_preprocessor(dict(inputs=list(photos), data_samples=samples), False)
    with torch.no_grad():
        logits = plain.inference(data['inputs'], [s.metainfo for s in data['data_samples']])
        scale = 2.0 / (logits[:, 0] - logits[:, 1]).std()
        head = plain.decode_head.conv_seg
        head.bias.sub_(logits.mean((0, 2, 3))).mul_(scale)
        head.weight.mul_(scale)
    post.load_state_dict(plain.state_dict())
    return plain, post, photos, data


def test_postprocess_segmentor_state_dict_equals_encoder_decoder(noisy_models):
    plain, post, _, _ = noisy_models
    assert list(post.state_dict()) == list(plain.state_dict())
    assert type(plain).__name__ == 'EncoderDecoder' and len(post.postprocess_steps) == 3
    from_test_cfg = MODELS.build(
        tiny_model_cfg(
            type='PostProcessEncoderDecoder', test_cfg=dict(mode='whole', postprocess=[dict(type='DenseCRF')])
        )
    )
    assert [type(s).__name__ for s in from_test_cfg.postprocess_steps] == ['DenseCRF']
    with pytest.raises(ValueError, match='not both'):
        MODELS.build(
            tiny_model_cfg(
                type='PostProcessEncoderDecoder',
                postprocess=[dict(type='DenseCRF')],
                test_cfg=dict(mode='whole', postprocess=[dict(type='DenseCRF')]),
            )
        )


def test_postprocess_segmentor_predict_refines(noisy_models):
    plain, post, photos, data = noisy_models
    # The steps see the photos as loaded (BGR files -> the preprocessor's RGB), un-normalised.
    assert torch.allclose(recover_rgb(data['inputs'], post.data_preprocessor), photos.flip(1).float(), atol=1e-3)
    with torch.no_grad():
        before = plain.predict(data['inputs'], copy.deepcopy(data['data_samples']))
        after = post.predict(data['inputs'], copy.deepcopy(data['data_samples']))
    for raw, refined in zip(before, after):
        assert refined.pred_sem_seg.shape == (64, 64) and refined.seg_logits.data.shape == (2, 64, 64)
        assert 0.1 < raw.pred_sem_seg.data.float().mean() < 0.9  # the random model is noisy
        changed = (raw.pred_sem_seg.data != refined.pred_sem_seg.data).float().mean()
        assert changed > 0.01
        assert torch.equal(refined.pred_sem_seg.data[0], refined.seg_logits.data.argmax(0))


def multitask_cfg(aux_predict=('landmarks', 'depth'), **changes):
    """The tiny model as a MultiTaskEncoderDecoder with landmark and depth heads; its preprocessor pads the
    64 x 60 test images to 64 x 64 (so the whole-mode seg logits are resized to the input before the steps)."""
    heads = dict(
        landmarks=dict(type='LandmarkHeatmapHead', in_channels=[128] * 3, in_index=[0, 1, 2], channels=32),
        depth=dict(type='DepthHead', in_channels=[128] * 3, in_index=[0, 1, 2], channels=16),
    )
    cfg = tiny_model_cfg(
        type='MultiTaskEncoderDecoder',
        aux_task_heads=heads,
        test_cfg=dict(mode='whole', aux_predict=aux_predict),
        **changes,
    )
    cfg.data_preprocessor.test_cfg = dict(size_divisor=32)
    return cfg


@torch.no_grad()
def test_postprocess_composes_with_auxiliary_heads(noisy_models):
    """Aux heads and post-processing in one segmentor: the aux predictions are those of the model without steps;
    the mask is the steps' result on the raw seg logits (same logits in, same mask out), as with
    PostProcessEncoderDecoder, with or without aux predictions."""
    plain, post, photos, _ = noisy_models
    torch.manual_seed(0)
    raw = MODELS.build(multitask_cfg()).eval()
    raw.load_state_dict({**raw.state_dict(), **plain.state_dict()})  # the noisy classifier; random aux heads
    refined = MODELS.build(multitask_cfg(postprocess=copy.deepcopy(post.postprocess_steps))).eval()
    seg_only = MODELS.build(multitask_cfg(aux_predict=(), postprocess=copy.deepcopy(post.postprocess_steps))).eval()
    assert list(refined.state_dict()) == list(raw.state_dict())
    refined.load_state_dict(raw.state_dict())
    seg_only.load_state_dict(raw.state_dict())
    samples = [
        SegDataSample(metainfo=dict(ori_shape=(64, 60), img_shape=(64, 60), pad_shape=(64, 60))) for _ in range(2)
    ]
    data = raw.data_preprocessor(dict(inputs=list(photos[..., :60]), data_samples=samples), False)
    inputs, samples = data['inputs'], data['data_samples']
    assert inputs.shape[2:] == (64, 64)

    # The steps by hand on the raw seg logits at the (padded) input size, then mmseg's postprocess_result.
    logits = raw.inference(inputs, [s.metainfo for s in samples])
    logits = F.interpolate(logits, size=inputs.shape[2:], mode='bilinear', align_corners=False)
    images = recover_rgb(inputs, raw.data_preprocessor)
    for step in refined.postprocess_steps:
        logits = step(logits, images)
    expected = raw.postprocess_result(logits, copy.deepcopy(samples))

    without = raw.predict(inputs, copy.deepcopy(samples))
    outputs = {
        name: model.predict(inputs, copy.deepcopy(samples))
        for name, model in dict(multitask=refined, seg_only=seg_only, encoder_decoder=post).items()
    }
    for i, (reference, unrefined) in enumerate(zip(expected, without)):
        assert 0.1 < unrefined.pred_sem_seg.data.float().mean() < 0.9  # the random model is noisy
        assert (unrefined.pred_sem_seg.data != reference.pred_sem_seg.data).float().mean() > 0.01
        for name, results in outputs.items():
            assert torch.equal(results[i].pred_sem_seg.data, reference.pred_sem_seg.data), name
            assert torch.equal(results[i].seg_logits.data, reference.seg_logits.data), name
        ours = outputs['multitask'][i]
        assert torch.equal(ours.pred_landmarks.keypoints, unrefined.pred_landmarks.keypoints)
        assert torch.equal(ours.pred_landmarks.keypoint_scores, unrefined.pred_landmarks.keypoint_scores)
        assert torch.equal(ours.pred_depth.data, unrefined.pred_depth.data)
        assert 'pred_landmarks' not in outputs['seg_only'][i]


# (e) the tool


def write_tiny_dataset(root, count=3):
    rng = np.random.default_rng(0)
    (root / 'images').mkdir(parents=True)
    (root / 'masks').mkdir()
    for i in range(count):
        mask = np.zeros((48, 64), np.uint8)
        mask[:, 20 + 8 * i :] = 1
        photo = np.where(mask[..., None] == 1, 190, 60) + rng.integers(-10, 10, (48, 64, 3))
        cv2.imwrite(str(root / 'images' / f'{i}.jpg'), photo.astype(np.uint8))
        cv2.imwrite(str(root / 'masks' / f'{i}.png'), mask)


def test_tool_reports_miou_and_latency_per_step(tmp_path):
    write_tiny_dataset(tmp_path / 'data')
    config = tmp_path / 'tiny.py'
    config.write_text(f"""
_base_ = [{str(TOPFORMER_TINY)!r}]
model = dict(type='PostProcessEncoderDecoder', decode_head=dict(num_classes=2),
             postprocess=[dict(type='RemoveSmallRegions', min_area=20)])  # replaces the tool's default
pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                       sampler=dict(type='DefaultSampler', shuffle=False),
                       dataset=dict(type='ImageMaskFolderDataset', data_root={str(tmp_path / 'data')!r},
                                    classes=('background', 'cloth'), pipeline=pipeline))
test_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
""")
    out = tmp_path / 'effect.json'
    result = run_tool(
        [
            str(TOOL),
            str(config),
            '--num',
            '2',
            '--out',
            str(out),
            '--device',
            'cpu',
            '--step-options',
            'superpixel.min_size=20',
            'crf.num_iters=3',
        ],
        timeout=300,
    )
    report = json.loads(out.read_text())
    assert report['num_images'] == 2 and report['checkpoint'] is None
    assert list(report['results']) == ['none', 'crf', 'small_regions', 'superpixel', 'all']
    assert report['steps']['small_regions'] == dict(type='RemoveSmallRegions', min_area=20)
    assert report['steps']['superpixel']['min_size'] == 20 and report['steps']['crf']['num_iters'] == 3
    assert report['model_latency_ms'] > 0
    for variant, metrics in report['results'].items():
        assert 0 <= metrics['mIoU'] <= 100 and set(metrics['IoU']) == {'background', 'cloth'}
        assert metrics['delta_mIoU'] == pytest.approx(metrics['mIoU'] - report['results']['none']['mIoU'], abs=0.01)
        assert (metrics['added_latency_ms'] > 0) == (variant != 'none')
    assert '[2/2]' in result.stdout and 'superpixel' in result.stdout
    assert f'Results written to {out}' in result.stdout


def test_tool_help():
    main = runpy.run_path(str(TOOL))['main']
    with pytest.raises(SystemExit) as exit_info:
        main(['--help'])
    assert exit_info.value.code == 0
