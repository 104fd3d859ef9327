# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""mmext.apis: init_model / inference_model on the quickstart model and on pose-input / depth-head models."""

import cv2
import numpy as np
import pytest
import torch
from conftest import QUICKSTART_CONFIG, REPO

import mmext  # noqa: F401
from mmext.apis import build_inference_pipeline, inference_model, init_model
from mmext.datasets.dresscode_meta import NUM_KEYPOINTS, PARSING_CLASSES
from mmext.utils.pretrained import CheckpointMismatchError


@pytest.fixture(scope='module')
def model(quickstart_checkpoint):
    return init_model(str(REPO / QUICKSTART_CONFIG), str(quickstart_checkpoint), aux_predict='all')


@pytest.fixture(scope='module')
def photo(synthetic_dresscode) -> str:
    return str(sorted((synthetic_dresscode / 'dresses' / 'images').glob('*_0.jpg'))[0])


def test_init_model_loads_checkpoint_strictly_and_switches_on_landmarks_when_asked(model, quickstart_checkpoint, photo):
    saved = torch.load(quickstart_checkpoint, map_location='cpu')['state_dict']
    for key, value in model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    assert model.dataset_meta['classes'] == PARSING_CLASSES
    assert len(model.dataset_meta['palette']) == len(PARSING_CLASSES)
    assert model.test_cfg['aux_predict'] == ('landmarks',)  # the skeleton head predicts nothing people need
    assert not model.training
    # By default the auxiliary heads stay off: segmentation only, the config's test mode kept.
    plain = init_model(str(REPO / QUICKSTART_CONFIG), str(quickstart_checkpoint))
    assert plain.test_cfg['aux_predict'] == () and plain.test_cfg['mode'] == model.cfg.model.test_cfg['mode']
    seg_only, with_aux = inference_model(plain, photo), inference_model(model, photo)
    assert seg_only.landmarks is None and (seg_only.seg_map == with_aux.seg_map).all()
    with pytest.raises(ValueError, match="aux_predict names \\['depth'\\]"):
        init_model(str(REPO / QUICKSTART_CONFIG), str(quickstart_checkpoint), aux_predict=('depth',))


def test_slide_mode_is_kept_and_auxiliary_heads_see_the_whole_image(quickstart_checkpoint, photo):
    options = {'model.test_cfg.mode': 'slide', 'model.test_cfg.crop_size': (128, 96), 'model.test_cfg.stride': (96, 64)}
    model = init_model(
        str(REPO / QUICKSTART_CONFIG), str(quickstart_checkpoint), cfg_options=options, aux_predict='all'
    )
    assert model.test_cfg['mode'] == 'slide'
    result = inference_model(model, photo)
    assert result.landmarks.shape == (NUM_KEYPOINTS, 3) and result.seg_map.shape == cv2.imread(photo).shape[:2]


def test_predict_without_data_samples_also_with_auxiliary_heads(model):
    samples = model.predict(torch.randn(1, 3, 64, 48), None)
    assert samples[0].pred_sem_seg.data.shape == (1, 64, 48) and 'pred_landmarks' in samples[0]


def test_init_model_errors(quickstart_checkpoint, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pth.*quickstart'):
        init_model(str(REPO / QUICKSTART_CONFIG), str(tmp_path / 'missing.pth'))
    state = torch.load(quickstart_checkpoint, map_location='cpu')
    del state['state_dict']['decode_head.conv_seg.weight']
    broken = tmp_path / 'broken.pth'
    torch.save(state, broken)
    with pytest.raises(
        CheckpointMismatchError, match='1 model tensors are not in the checkpoint, e.g. decode_head.conv_seg.weight'
    ):
        init_model(str(REPO / QUICKSTART_CONFIG), str(broken))
    state['state_dict']['decode_head.conv_seg.weight'] = torch.zeros(7, 256, 1, 1)
    torch.save(state, broken)
    with pytest.raises(CheckpointMismatchError, match='trained for 7 classes, the config has 18'):
        init_model(str(REPO / QUICKSTART_CONFIG), str(broken))
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match='CUDA is not available'):
            init_model(str(REPO / QUICKSTART_CONFIG), device='cuda')


def test_inference_outputs_at_input_size(model, photo):
    image = cv2.imread(photo)
    odd = cv2.resize(image, (77, 101))  # not the test scale, not a multiple of any stride
    result = inference_model(model, odd, return_scores=True)
    assert result.seg_map.shape == (101, 77) and result.seg_map.dtype == np.int64
    assert result.scores.shape == (len(PARSING_CLASSES), 101, 77)
    np.testing.assert_allclose(result.scores.sum(0), 1.0, atol=1e-5)
    assert (result.scores.argmax(0) == result.seg_map).all()
    assert result.landmarks.shape == (NUM_KEYPOINTS, 3)
    assert result.depth is None
    summary = result.to_dict()
    assert sum(a['pixels'] for a in summary['class_areas'].values()) == 101 * 77
    assert summary['keypoints'][0]['name'] == 'nose'


def test_paths_arrays_and_batches_agree(model, photo, synthetic_dresscode):
    second = str(sorted((synthetic_dresscode / 'upper_body' / 'images').glob('*_0.jpg'))[1])
    from_path = inference_model(model, photo)
    from_array = inference_model(model, cv2.imread(photo))
    batch = inference_model(model, [photo, cv2.imread(second)], batch_size=2)
    assert isinstance(batch, list) and len(batch) == 2
    assert (from_path.seg_map == from_array.seg_map).all()
    assert (batch[0].seg_map == from_path.seg_map).all()
    np.testing.assert_allclose(batch[0].landmarks, from_path.landmarks, rtol=1e-3, atol=1e-3)
    assert (batch[1].seg_map == inference_model(model, second).seg_map).all()


def test_landmarks_decoded_to_input_pixels(model, monkeypatch):
    """A heatmap peak at cell (cx, cy) of a 384 x 288 photo (resized by 2/3 to the 256 x 192 test scale, heatmap
    stride 4) is the point (4 cx, 4 cy) * 3/2 of the photo."""
    head = model.aux_task_heads['landmarks']
    peaks = [(5 + j, 10 + 2 * j) for j in range(NUM_KEYPOINTS)]  # (cx, cy) per joint

    def peaked_heatmaps(inputs, metas):
        h, w = head.target_size(metas)
        ys, xs = np.mgrid[:h, :w]
        maps = np.stack([np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * 2.0**2)) for cx, cy in peaks])
        return torch.from_numpy(maps[None].astype(np.float32))

    monkeypatch.setattr(head, 'forward_at_target', peaked_heatmaps)
    result = inference_model(model, np.full((384, 288, 3), 128, np.uint8))
    expected = np.array(peaks, np.float32) * 4 * 1.5
    np.testing.assert_allclose(result.landmarks[:, :2], expected, atol=0.5)
    np.testing.assert_allclose(result.landmarks[:, 2], 1.0, atol=1e-3)


def test_pose_input_model_reads_keypoint_files_or_estimates_the_pose(synthetic_dresscode):
    cfg_path = str(REPO / 'configs/ablations/dresscode_aux/pose_input.py')
    model = init_model(cfg_path, cfg_options={'model.backbone.init_cfg': None})
    _, required = build_inference_pipeline(model.cfg)
    assert required == ('keypoints_path',)
    estimating, required = build_inference_pipeline(model.cfg, estimate_pose=True)
    assert required == () and 'EstimatePose' in repr(estimating)
    sample = sorted((synthetic_dresscode / 'dresses' / 'images').glob('*_0.jpg'))[0]
    keypoints = synthetic_dresscode / 'dresses' / 'keypoints' / sample.name.replace('_0.jpg', '_2.json')
    result = inference_model(model, dict(img_path=str(sample), keypoints_path=str(keypoints)))
    assert result.seg_map.shape == cv2.imread(str(sample)).shape[:2]
    assert result.input_pose.shape == (NUM_KEYPOINTS, 3) and result.input_pose[:, 2].sum() >= 10
    estimated = inference_model(model, str(sample))  # a plain photo: BlazePose (EstimatePose) gives the pose
    assert estimated.seg_map.shape == result.seg_map.shape and estimated.input_pose.shape == (NUM_KEYPOINTS, 3)


def test_depth_head_prediction_at_input_size(photo):
    model = init_model(
        str(REPO / 'configs/ablations/dresscode_aux/depth_aux.py'),
        cfg_options={'model.backbone.init_cfg': None},
        aux_predict='all',
    )
    assert 'depth' in model.test_cfg['aux_predict']
    result = inference_model(model, photo)
    assert result.depth is not None and result.depth.shape == result.seg_map.shape
    assert np.isfinite(result.depth).all()
    assert set(result.to_dict()['depth']) == {'min', 'max', 'mean'}
