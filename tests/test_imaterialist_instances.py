# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The Mask R-CNN instance study on iMaterialist: the compat ops against torchvision, the csv dataset and its transform
on a tiny synthetic set, and two CPU training iterations of a reduced Mask R-CNN."""

import csv
import json
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest
import torch
import torchvision
from conftest import REPO

from mmext import compat
from mmext.datasets.errors import DatasetError
from mmext.datasets.imaterialist_instances import IMaterialistInstanceDataset, bbox_of_runs
from mmext.datasets.rle import parse_rle
from mmext.datasets.transforms.load_imaterialist_annotations import LoadIMaterialistAnnotations

H, W = 96, 128
SMOKE_CONFIG = 'projects/imaterialist_instances/configs/mask-rcnn_r101_fpn_cpu-smoke_imaterialist.py'


# ------------------------------------------------------------------------------------------- compat: RoIAlign
def random_rois(n, batch, extent, seed=0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * (extent + 6) - 3  # some boxes start outside the map
    wh = torch.rand(n, 2, generator=g) * extent / 2
    index = torch.randint(0, batch, (n, 1), generator=g).float()
    return torch.cat([index, xy, xy + wh], 1)


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('sampling_ratio', [0, 2])
def test_roi_align_equals_torchvision(aligned, sampling_ratio):
    features = torch.randn(2, 4, 12, 16)
    rois = random_rois(15, 2, 24)
    rois[0, 3:] = rois[0, 1:3]  # a box of size 0
    layer = compat.RoIAlign((3, 5), spatial_scale=0.5, sampling_ratio=sampling_ratio, aligned=aligned)
    expected = torchvision.ops.roi_align(features, rois, (3, 5), 0.5, sampling_ratio, aligned=aligned)
    assert torch.allclose(layer(features, rois), expected, atol=1e-6)
    assert layer.output_size == (3, 5) and layer.spatial_scale == 0.5 and 'aligned=' in repr(layer)
    assert torch.allclose(
        compat.roi_align(features, rois, (3, 5), 0.5, sampling_ratio, 'avg', aligned), expected, atol=1e-6
    )
    # The pure-PyTorch sampler (used for pool_mode='max') averages to the same values.
    sampled = compat._roi_align_sampled(features.double(), rois.double(), (3, 5), 0.5, sampling_ratio, aligned, 'avg')
    assert torch.allclose(sampled.float(), expected, atol=1e-5)


def test_roi_align_max_mode_gradients_and_shapes():
    ramp = torch.arange(10.0).expand(1, 1, 10, 10).contiguous()  # value = column
    # aligned box 0..8 -> feature x from -0.5 to 7.5, 2 bins of 4 wide, 2 points each at x = 0.5, 2.5 | 4.5, 6.5
    out = compat.roi_align(ramp, torch.tensor([[0.0, 0.0, 0.0, 8.0, 8.0]]), 2, 1.0, 2, 'max', True)
    assert torch.allclose(out, torch.tensor([[[[2.5, 6.5], [2.5, 6.5]]]]))
    features = torch.randn(1, 3, 8, 8, requires_grad=True)
    rois = torch.tensor([[0.0, 1.0, 1.0, 6.0, 5.0]], requires_grad=True)
    for mode in ('avg', 'max'):
        compat.RoIAlign(2, pool_mode=mode)(features, rois).sum().backward()
    assert features.grad is not None and features.grad.abs().sum() > 0
    assert rois.grad is None  # as in mmcv: no gradient to the boxes
    assert compat.roi_align(features, torch.zeros(0, 5), 7).shape == (0, 3, 7, 7)
    with pytest.raises(ValueError, match='rois'):
        compat.roi_align(features, torch.zeros(2, 4), 7)
    with pytest.raises(ValueError, match='pool_mode'):
        compat.RoIAlign(7, pool_mode='sum')


# ------------------------------------------------------------------------------------------------ compat: NMS
def random_boxes(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 60
    wh = torch.rand(n, 2, generator=g) * 25 + 1
    return torch.cat([xy, xy + wh], 1), torch.rand(n, generator=g)


def greedy_nms_reference(boxes, scores, threshold, offset):
    """Textbook greedy NMS (keep by decreasing score, drop IoU > threshold), in plain Python."""
    order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
    kept = []
    for i in order:
        x1, y1, x2, y2 = boxes[i].tolist()
        suppressed = False
        for j in kept:
            a1, b1, a2, b2 = boxes[j].tolist()
            iw = max(0.0, min(x2, a2) - max(x1, a1) + offset)
            ih = max(0.0, min(y2, b2) - max(y1, b1) + offset)
            inter = iw * ih
            union = (x2 - x1 + offset) * (y2 - y1 + offset) + (a2 - a1 + offset) * (b2 - b1 + offset) - inter
            if inter / union > threshold:
                suppressed = True
                break
        if not suppressed:
            kept.append(i)
    return kept


def test_nms_equals_torchvision_and_mmcv_options():
    boxes, scores = random_boxes(150)
    dets, keep = compat.nms(boxes, scores, 0.5)
    assert torch.equal(keep, torchvision.ops.nms(boxes, scores, 0.5))
    assert dets.shape == (len(keep), 5)
    assert torch.equal(dets[:, :4], boxes[keep]) and torch.equal(dets[:, 4], scores[keep])
    assert bool((dets[:-1, 4] >= dets[1:, 4]).all())
    # numpy in, numpy out; score threshold (strict) then at most max_num boxes
    dets_np, keep_np = compat.nms(boxes.numpy(), scores.numpy(), 0.5, score_threshold=0.3, max_num=5)
    assert isinstance(dets_np, np.ndarray) and isinstance(keep_np, np.ndarray) and len(keep_np) == 5
    above = torch.nonzero(scores > 0.3).squeeze(1)
    assert keep_np.tolist() == above[torchvision.ops.nms(boxes[above], scores[above], 0.5)][:5].tolist()
    # offset=1: the legacy +1 widths and heights
    small, small_scores = random_boxes(40, seed=1)
    small = small.round()
    _, keep1 = compat.nms(small, small_scores, 0.3, offset=1)
    assert keep1.tolist() == greedy_nms_reference(small, small_scores, 0.3, 1)
    assert compat.nms(torch.zeros(0, 4), torch.zeros(0), 0.5)[0].shape == (0, 5)


def test_batched_nms_never_suppresses_across_classes():
    boxes, scores = random_boxes(200, seed=2)
    idxs = torch.randint(0, 6, (200,), generator=torch.Generator().manual_seed(3))
    cfg = dict(type='nms', iou_threshold=0.5)
    dets, keep = compat.batched_nms(boxes, scores, idxs, cfg)
    assert torch.equal(keep, torchvision.ops.batched_nms(boxes, scores, idxs, 0.5))
    assert torch.equal(dets[:, :4], boxes[keep]) and bool((dets[:-1, 4] >= dets[1:, 4]).all())
    for category in range(6):  # within a class: exactly plain NMS of that class
        members = torch.nonzero(idxs == category).squeeze(1)
        expected = members[torchvision.ops.nms(boxes[members], scores[members], 0.5)]
        assert sorted(keep[idxs[keep] == category].tolist()) == sorted(expected.tolist())
    # the same box in three classes (negative coordinates too): all three stay
    same = torch.tensor([[-20.0, -10.0, 30.0, 40.0]] * 3)
    _, keep_same = compat.batched_nms(same, torch.tensor([0.9, 0.8, 0.7]), torch.tensor([0, 1, 2]), cfg)
    assert keep_same.tolist() == [0, 1, 2]
    _, keep_agnostic = compat.batched_nms(
        same, torch.tensor([0.9, 0.8, 0.7]), torch.tensor([0, 1, 2]), dict(cfg, class_agnostic=True)
    )
    assert keep_agnostic.tolist() == [0]
    # category-by-category above split_thr, with max_num over all classes: same result
    dets_split, keep_split = compat.batched_nms(boxes, scores, idxs, dict(cfg, split_thr=10, max_num=20))
    assert torch.equal(keep_split, keep[:20]) and torch.equal(dets_split, dets[:20])
    assert torch.equal(compat.batched_nms(boxes, scores, idxs, dict(cfg, max_num=20))[1], keep[:20])
    sorted_dets, order = compat.batched_nms(boxes, scores, idxs, None)  # None: only sort
    assert torch.equal(order, scores.argsort(descending=True)) and len(order) == 200
    assert compat.batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0), cfg)[0].shape == (0, 5)
    with pytest.raises(compat.MissingCompiledOpError, match='soft_nms'):
        compat.batched_nms(boxes, scores, idxs, dict(type='soft_nms', iou_threshold=0.5))


@pytest.mark.skipif(compat.has_compiled_mmcv_ops(), reason='this mmcv has compiled ops')
def test_stand_in_serves_the_real_ops_to_mmdet():
    import mmcv.ops
    from mmcv.ops.nms import batched_nms
    from mmcv.ops.roi_align import roi_align

    assert mmcv.ops.RoIAlign is compat.RoIAlign and mmcv.ops.nms is compat.nms
    assert roi_align is compat.roi_align and batched_nms is compat.batched_nms


# ------------------------------------------------------------------------------------------ synthetic data set
def rect_rle(r0, r1, c0, c1, height=H):
    """Hand-written column-major, 1-based runs of the rectangle rows r0..r1-1, columns c0..c1-1."""
    return ' '.join(f'{c * height + r0 + 1} {r1 - r0}' for c in range(c0, c1))


# ImageId -> [(rows, cols, ClassId)]; the rectangles are painted into the photos so the model sees them.
SPECS = {
    'img_a': [((10, 40), (20, 60), '3_10_22'), ((50, 90), (70, 120), '6')],
    'img_b': [((5, 60), (5, 50), '10'), ((30, 80), (60, 125), '1_5'), ((0, 20), (100, 128), '31')],
    'img_c': [((20, 70), (30, 100), '0')],
}


def write_synthetic_imaterialist(root, extra_rows=()):
    (root / 'train').mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rows = []
    for image_id, instances in SPECS.items():
        photo = rng.integers(0, 40, (H, W, 3)).astype(np.uint8)
        for k, ((r0, r1), (c0, c1), class_id) in enumerate(instances):
            photo[r0:r1, c0:c1] = [(70 * (k + 1)) % 256, 200 - 60 * k, 90 + 50 * k]
            rows.append([image_id, rect_rle(r0, r1, c0, c1), H, W, class_id])
        cv2.imwrite(str(root / 'train' / f'{image_id}.jpg'), photo)
    rows.append(['img_c', '', H, W, '4'])  # an empty mask: skipped
    rows.append(['img_c', '1 200', H, W, '5_1'])  # columns 0, 1 whole, rows 0..7 of column 2
    rows.extend(extra_rows)
    with open(root / 'train.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId'])
        writer.writerows(rows)
    return root


@pytest.fixture(scope='module')
def imat_root(tmp_path_factory):
    return write_synthetic_imaterialist(tmp_path_factory.mktemp('imaterialist_instances'))


def test_bbox_of_runs_matches_the_decoded_mask():
    rng = np.random.default_rng(1)
    for _ in range(20):
        runs = []
        for _ in range(rng.integers(1, 4)):
            start = int(rng.integers(1, H * W - 300))
            runs.append(f'{start} {int(rng.integers(1, 300))}')
        text = ' '.join(runs)
        from mmext.datasets.rle import decode_rle

        mask = decode_rle(text, H, W)
        ys, xs = np.nonzero(mask)
        assert bbox_of_runs(parse_rle(text, H, W), H) == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_dataset_reads_instances_and_splits(imat_root):
    dataset = IMaterialistInstanceDataset(data_root=str(imat_root), pipeline=[], serialize_data=False)
    assert len(dataset) == 3 and len(dataset.metainfo['classes']) == 46
    info = {d['image_id']: d for d in dataset.data_list}
    assert [d['img_id'] for d in dataset.data_list] == [0, 1, 2]
    a = info['img_a']
    assert a['img_path'] == str(imat_root / 'train' / 'img_a.jpg') and (a['height'], a['width']) == (H, W)
    assert [i['bbox_label'] for i in a['instances']] == [3, 6]  # '3_10_22': attributes ignored
    assert a['instances'][0]['bbox'] == [20.0, 10.0, 60.0, 40.0]
    c = info['img_c']
    assert [i['bbox_label'] for i in c['instances']] == [0, 5]  # the empty row (class 4) is skipped
    assert c['instances'][1]['bbox'] == [0.0, 0.0, 3.0, float(H)]
    # seeded split: disjoint, complete, img_id the same in every split
    train = IMaterialistInstanceDataset(data_root=str(imat_root), split='train', val_fraction=0.34, pipeline=[])
    val = IMaterialistInstanceDataset(data_root=str(imat_root), split='val', val_fraction=0.34, pipeline=[])
    assert len(val) == 1 and len(train) == 2
    ids = {train[i]['image_id']: train[i]['img_id'] for i in range(2)}
    ids[val[0]['image_id']] = val[0]['img_id']
    assert ids == {'img_a': 0, 'img_b': 1, 'img_c': 2}
    (imat_root / 'val.txt').write_text('img_b\n')
    assert [
        d['image_id']
        for d in IMaterialistInstanceDataset(
            data_root=str(imat_root), split_file='val.txt', pipeline=[], serialize_data=False
        ).data_list
    ] == ['img_b']


def test_transform_gives_pixel_exact_masks_boxes_and_labels(imat_root):
    from mmcv.transforms import LoadImageFromFile

    dataset = IMaterialistInstanceDataset(
        data_root=str(imat_root), pipeline=[LoadImageFromFile(), LoadIMaterialistAnnotations()]
    )
    sample = next(dataset[i] for i in range(len(dataset)) if dataset[i]['image_id'] == 'img_b')
    expected = np.zeros((3, H, W), dtype=np.uint8)
    for k, ((r0, r1), (c0, c1), _) in enumerate(SPECS['img_b']):
        expected[k, r0:r1, c0:c1] = 1
    masks = sample['gt_masks']
    assert (masks.height, masks.width) == (H, W) and masks.masks.dtype == np.uint8
    assert np.array_equal(masks.masks, expected)
    assert sample['gt_bboxes'].tensor.tolist() == [[5, 5, 50, 60], [60, 30, 125, 80], [100, 0, 128, 20]]
    assert np.array_equal(sample['gt_bboxes'].tensor.numpy(), masks.get_bboxes(dst_type='hbox').tensor.numpy())
    assert sample['gt_bboxes_labels'].tolist() == [10, 1, 31]
    assert sample['gt_bboxes_labels'].dtype == np.int64 and not sample['gt_ignore_flags'].any()


@pytest.mark.parametrize(
    'row, message',
    [
        (['img_a', '5 x', H, W, '2'], "line 10: 'x' is not an integer"),
        (['img_a', '5 3', H, W, '46'], 'line 10: .*category 46 is not in 0..45'),
        (['img_a', f'{H * W} 2', H, W, '2'], 'line 10: run .* ends at pixel'),
        (['img_a', '5 3', H + 1, W, '2'], 'line 10: img_a is 97 x 128'),
        (['img_d', '5 3', 'tall', W, '2'], 'line 10: Height'),
    ],
)
def test_bad_rows_name_csv_and_line(tmp_path, row, message):
    root = write_synthetic_imaterialist(tmp_path / 'bad', extra_rows=[row])
    with pytest.raises(DatasetError, match=f'train.csv: row at {message}'):
        IMaterialistInstanceDataset(data_root=str(root), pipeline=[])


def test_category_names_from_label_descriptions(tmp_path):
    root = write_synthetic_imaterialist(tmp_path / 'named')
    names = [dict(id=i, name=f'garment {i}') for i in range(46)]
    (root / 'label_descriptions.json').write_text(json.dumps(dict(categories=names, attributes=[])))
    dataset = IMaterialistInstanceDataset(data_root=str(root), pipeline=[])
    assert dataset.metainfo['classes'][3] == 'garment 3' and len(dataset.metainfo['palette']) == 46
    with pytest.raises(DatasetError, match='not found'):
        IMaterialistInstanceDataset(data_root=str(tmp_path / 'missing'), pipeline=[])


# ------------------------------------------------------------------------------------------- Mask R-CNN on CPU
def test_mask_rcnn_trains_and_predicts_on_cpu(imat_root, tmp_path):
    """2 iterations of the smoke config with a reduced model (ResNet-18, 64-channel FPN and heads), then
    validation (COCO bbox/segm mAP via IMaterialistCocoMetric) and a prediction of image-size masks."""
    script = textwrap.dedent(f"""
        import json, math
        import torch
        import mmext  # noqa: F401
        from mmengine.config import Config
        from mmengine.runner import Runner
        torch.manual_seed(0)
        cfg = Config.fromfile({SMOKE_CONFIG!r})
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[key].dataset.data_root = {str(imat_root)!r}
            cfg[key].dataset.split = None
        ch = 64
        cfg.model.backbone.update(depth=18, frozen_stages=-1)
        cfg.model.neck.update(in_channels=[64, 128, 256, 512], out_channels=ch)
        cfg.model.rpn_head.update(in_channels=ch, feat_channels=ch)
        rh = cfg.model.roi_head
        rh.bbox_roi_extractor.out_channels = rh.mask_roi_extractor.out_channels = ch
        rh.bbox_head.update(in_channels=ch, fc_out_channels=128)
        rh.mask_head.update(in_channels=ch, conv_out_channels=ch, num_convs=2)
        cfg.model.train_cfg.rcnn.sampler.num = 64
        cfg.train_cfg.update(max_iters=2, val_interval=2)
        cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
        cfg.default_hooks.checkpoint.interval = 100
        cfg.work_dir = {str(tmp_path / 'work')!r}
        runner = Runner.from_cfg(cfg)
        runner.train()
        hub = runner.message_hub
        losses = {{k: hub.get_scalar('train/' + k).current()
                   for k in ('loss', 'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox', 'loss_mask')}}
        metrics = {{k: hub.get_scalar('val/coco/' + k).current() for k in ('bbox_mAP', 'segm_mAP')}}
        batch = next(iter(runner.val_dataloader))
        runner.model.eval()
        with torch.no_grad():
            pred = runner.model.test_step(batch)[0]
        masks = pred.pred_instances.masks
        print('RESULT', json.dumps(dict(losses=losses, metrics=metrics, iters=runner.iter,
                                        mask_shape=list(masks.shape), ori_shape=list(pred.ori_shape))))
    """)
    result = subprocess.run([sys.executable, '-c', script], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-6000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith('RESULT '))
    out = json.loads(line[len('RESULT ') :])
    assert out['iters'] == 2
    assert all(np.isfinite(v) for v in out['losses'].values()), out['losses']
    assert out['losses']['loss_mask'] > 0
    assert all(0 <= v <= 1 for v in out['metrics'].values()), out['metrics']
    assert out['ori_shape'] == [H, W] and out['mask_shape'][1:] == [H, W] and out['mask_shape'][0] > 0


def test_coco_metric_scores_perfect_predictions_one(imat_root):
    """IMaterialistCocoMetric turns the packed ``instances`` into COCO ground truth: predictions equal to the
    ground truth score 1.0 bbox and segm mAP, predictions of the wrong category 0."""
    from mmext.datasets.rle import decode_rle
    from mmext.evaluation.metrics.imaterialist_coco_metric import IMaterialistCocoMetric

    dataset = IMaterialistInstanceDataset(data_root=str(imat_root), pipeline=[], serialize_data=False)
    results = {}
    for shift in (0, 1):
        metric = IMaterialistCocoMetric(metric=['bbox', 'segm'])
        metric.dataset_meta = dataset.metainfo
        samples = []
        for info in dataset.data_list:
            instances = info['instances']
            masks = np.stack([decode_rle(i['rle'], H, W) for i in instances])
            pred = dict(
                bboxes=torch.tensor([i['bbox'] for i in instances]),
                scores=torch.ones(len(instances)),
                labels=torch.tensor([(i['bbox_label'] + shift) % 46 for i in instances]),
                masks=torch.from_numpy(masks),
            )
            samples.append(dict(img_id=info['img_id'], ori_shape=(H, W), instances=instances, pred_instances=pred))
        metric.process({}, samples)
        results[shift] = metric.compute_metrics(metric.results)
    assert results[0]['bbox_mAP'] == pytest.approx(1.0) and results[0]['segm_mAP'] == pytest.approx(1.0)
    assert results[1]['bbox_mAP'] == 0 and results[1]['segm_mAP'] == 0
    with pytest.raises(ValueError, match='ann_file'):
        IMaterialistCocoMetric(ann_file='instances.json')
