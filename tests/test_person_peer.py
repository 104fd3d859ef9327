# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""MediaPipe Selfie Segmentation as a peer, the deployed photo -> mask path of the project's person models, and
the side-by-side evaluation on CCP photos (from ../shared, skipped when absent)."""

import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO, SHARED, run_tool

import mmext  # noqa: F401
from mmext.deployment.photo_segmenter import PhotoSegmenter, input_size
from mmext.models.pose import MediaPipeSelfieSegmentation
from mmext.utils.peers import SOURCE_ENV

OFFICIAL_TOPFORMER = SHARED / 'peers' / 'hustvl_topformer'
PERSON = REPO / 'projects/fast_person_segmentation/configs/topformer_t-s4_ccp-person-320x192.py'


def test_mediapipe_selfie_segmentation_finds_the_person(ccp_out):
    segmenter = MediaPipeSelfieSegmentation()
    photo = cv2.imread(str(ccp_out / 'photos' / '0003.jpg'))
    person = cv2.imread(str(ccp_out / 'labels' / '0003.png'), cv2.IMREAD_UNCHANGED) > 0
    mask = segmenter.predict(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)).astype(bool)
    assert mask.shape == person.shape
    assert (mask & person).sum() / (mask | person).sum() > 0.8
    assert segmenter.model_file().endswith('selfie_segmentation.tflite')
    with pytest.raises(ValueError, match='model_selection'):
        MediaPipeSelfieSegmentation(model_selection=2)


def test_photo_segmenter_resizes_like_the_test_pipeline_and_answers_at_the_photo_size():
    assert input_size((832, 550), (320, 212)) == (320, 212)  # keep-ratio fit, mmcv's rounding
    assert input_size((832, 550), (192, 320), keep_ratio=False) == (320, 192)
    seen = []

    def logits(x):
        seen.append(x.shape)
        out = np.zeros((1, 2, x.shape[2] // 4, x.shape[3] // 4), np.float32)
        out[0, 1, :, : x.shape[3] // 8] = 1.0  # "person" on the left half
        return out

    segmenter = PhotoSegmenter(logits, (192, 320), [0, 0, 0], [1, 1, 1], keep_ratio=False)
    mask = segmenter(np.zeros((832, 550, 3), np.uint8))
    assert seen == [(1, 3, 320, 192)] and mask.shape == (832, 550) and mask.dtype == np.uint8
    assert mask[:, :250].all() and not mask[:, 300:].any()


def test_peer_evaluation_side_by_side_with_an_exported_model(ccp_out, tmp_path):
    from mmext.deployment import export_onnx
    from mmext.deployment.loading import load_segmentor

    torch.manual_seed(0)
    _, model = load_segmentor(str(PERSON))
    onnx = tmp_path / 'person.onnx'
    export_onnx(model, str(onnx), (1, 3, 320, 192))
    config = tmp_path / 'person.py'
    config.write_text(
        f"_base_ = [{str(PERSON)!r}]\nval_dataloader = dict(dataset=dict(data_root={str(ccp_out)!r}))\n"
        "test_dataloader = val_dataloader\n"
    )
    checkpoint = tmp_path / 'person.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    peers = ['mediapipe_selfie'] + (['official_topformer'] if osp.isdir(OFFICIAL_TOPFORMER) else [])
    out = tmp_path / 'peers.json'
    result = run_tool(
        [
            'tools/analysis_tools/peer_eval.py',
            str(config),
            '--peers',
            *peers,
            '--onnx',
            f'ours={onnx}',
            '--checkpoint',
            str(checkpoint),
            '--model',
            'twin',
            str(PERSON),
            str(checkpoint),
            '--model',
            'twin_onnx',
            str(PERSON),
            str(onnx),
            '--out',
            str(out),
        ],
        env={SOURCE_ENV: str(OFFICIAL_TOPFORMER)},
    )
    report = json.loads(out.read_text())
    assert report['dataset']['photos'] == 1
    assert set(report['models']) == {'ours', 'ours_pytorch', 'twin', 'twin_onnx', *peers}
    # --model: a model with its own config in the same run; here the same weights, so the same masks.
    assert report['models']['twin']['IoU'] == report['models']['ours_pytorch']['IoU']
    assert report['models']['twin_onnx']['IoU'] == report['models']['ours']['IoU']
    assert report['machine']['onnxruntime'] and report['machine']['mediapipe'] and report['code']['commit']
    table = (tmp_path / 'peers.md').read_text()
    assert all(f'| {name} |' in table for name in report['models'])
    peer = report['models']['mediapipe_selfie']
    assert peer['IoU']['person'] > 80 and peer['size_MB'] < 1
    ours = report['models']['ours']
    assert 0 <= ours['IoU']['person'] <= 100 and ours['latency']['median_ms'] > 0 and ours['size_MB'] > 1
    assert 'mediapipe_selfie' in result.stdout and 'Written' in result.stdout
    # The same weights in eager PyTorch, in this project's code and in the official TopFormer code: the same
    # logits up to float32 rounding (a float64 run of these random weights stays below 1e-4 of either).
    pytorch = report['models']['ours_pytorch']
    assert pytorch['size_MB'] == sum(v.numel() * v.element_size() for v in model.state_dict().values()) / 2**20
    if 'official_topformer' in peers:
        official = report['models']['official_topformer']
        assert official['max_abs_logit_diff_to_ours'] < 1e-4
        assert official['IoU'] == pytorch['IoU'] and official['latency']['median_ms'] > 0


def test_peer_evaluation_refuses_the_official_topformer_without_weights(capsys):
    spec = importlib.util.spec_from_file_location('peer_eval_tool', REPO / 'tools/analysis_tools/peer_eval.py')
    peer_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer_eval)
    with pytest.raises(SystemExit) as exit_info:
        peer_eval.parse_args([str(PERSON), '--peers', 'official_topformer'])
    assert exit_info.value.code == 2
    assert '--peers official_topformer needs --checkpoint' in capsys.readouterr().err
