# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Depth providers (MiDaS v2.1 small parity, DPT from a local folder), the depth path rule, atomic writes and
the precompute tool (resumable, survives SIGKILL, reports unreadable photos)."""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO, run_tool, shared_file
from mmseg.registry import MODELS

from mmext.datasets import depth_maps
from mmext.datasets.depth_maps import (
    LAYOUTS,
    depth_path_for,
    detect_layout,
    encode_inverse_depth,
    find_photos,
    write_png_atomic,
)
from mmext.models.depth import DPTDepth, MiDaSSmall, build_depth_provider


@pytest.fixture(scope='module')
def midas_weights(tmp_path_factory) -> Path:
    """A randomly initialised MiDaS small saved in the official key layout."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('midas') / 'midas_v21_small_256.pt'
    state = MiDaSSmall().state_dict()
    state['scratch.output_conv.4.bias'].fill_(1.0)  # keep the final ReLU open: a varying, non-zero map
    torch.save(state, path)
    return path


def test_midas_small_reproduces_the_official_model():
    golden = torch.load(shared_file('golden/midas_v21_small_official.pt'), weights_only=False)
    model = MODELS.build(dict(type='MiDaSSmall')).eval()
    model.load_state_dict({k: v.float() for k, v in golden['state_dict'].items()}, strict=True)
    assert sum(p.numel() for p in model.parameters()) == golden['params'] == 21_320_545
    with torch.no_grad():
        output = model(golden['input'].float())
    assert output.shape == golden['output'].shape == (1, 256, 256)
    assert (output - golden['output'].float()).abs().max().item() < 1e-4


def test_midas_small_loads_the_official_file_layout_from_a_path(tmp_path):
    golden = torch.load(shared_file('golden/midas_v21_small_official.pt'), weights_only=False)
    path = tmp_path / 'midas_v21_small_256.pt'
    torch.save(golden['state_dict'], path)  # the official file is a plain float16 state dict
    model = MODELS.build(dict(type='MiDaSSmall', weights=str(path))).eval()
    with torch.no_grad():
        assert (model(golden['input'].float()) - golden['output'].float()).abs().max().item() < 1e-4


def test_missing_weights_name_the_official_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'midas_v21_small_256\.pt.*never downloaded'):
        build_depth_provider('midas_small', str(tmp_path / 'nowhere.pt'))
    with pytest.raises(FileNotFoundError, match='DPT model folder not found.*dpt-hybrid-midas'):
        build_depth_provider('dpt', str(tmp_path / 'no_folder'))
    (tmp_path / 'partial').mkdir()
    (tmp_path / 'partial' / 'config.json').write_text('{}')
    with pytest.raises(FileNotFoundError, match='preprocessor_config.json is missing'):
        DPTDepth(str(tmp_path / 'partial'))
    with pytest.raises(KeyError, match='unknown depth provider'):
        build_depth_provider('zoe', 'x')


def test_midas_estimate_returns_maps_at_each_image_size_and_batches_consistently(midas_weights):
    model = build_depth_provider('midas_small', str(midas_weights))
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in [(128, 96), (70, 100), (128, 96)]]
    together = model.estimate(images)
    alone = [model.estimate([image])[0] for image in images]
    for image, depth, single in zip(images, together, alone):
        assert depth.shape == image.shape[:2] and depth.dtype == np.float32 and np.isfinite(depth).all()
        np.testing.assert_allclose(depth, single, atol=1e-5)
    with pytest.raises(ValueError, match='image 0: expected an RGB uint8'):
        model.estimate([np.zeros((8, 8), np.uint8)])


def test_midas_estimate_uses_the_official_upper_bound_resize(midas_weights):
    from mmext.models.depth.midas_small import midas_input_size

    assert midas_input_size(1024, 768) == (256, 192)  # a Dress Code photo: fits inside 256 x 256
    assert midas_input_size(832, 550) == (256, 160)  # 169.2 rounds to 160
    assert midas_input_size(256, 256) == (256, 256)
    assert midas_input_size(480, 1000) == (128, 256)  # 122.9 rounds up to 128, still within the bound
    model = build_depth_provider('midas_small', str(midas_weights))
    seen, forward = [], model.forward
    model.forward = lambda x: seen.append(tuple(x.shape)) or forward(x)
    depth = model.estimate([np.zeros((1024, 768, 3), np.uint8)])[0]
    assert seen == [(1, 3, 256, 192)] and depth.shape == (1024, 768)


@pytest.fixture(scope='module')
def dpt_folder(tmp_path_factory) -> Path:
    """A tiny DPT (random weights) saved as a local transformers folder, like a downloaded dpt-hybrid-midas."""
    from transformers import DPTConfig, DPTForDepthEstimation, DPTImageProcessor

    torch.manual_seed(0)
    config = DPTConfig(
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=37,
        image_size=64,
        patch_size=16,
        neck_hidden_sizes=[8, 16, 32, 32],
        fusion_hidden_size=16,
        backbone_out_indices=[0, 1, 2, 3],
        reassemble_factors=[4, 2, 1, 0.5],
    )
    folder = tmp_path_factory.mktemp('dpt') / 'tiny-dpt'
    DPTForDepthEstimation(config).eval().save_pretrained(folder)
    DPTImageProcessor(size={'height': 64, 'width': 64}, keep_aspect_ratio=False).save_pretrained(folder)
    return folder


def test_dpt_depth_follows_the_folders_processor_and_resizes_back(dpt_folder):
    from transformers import DPTForDepthEstimation, DPTImageProcessor

    provider = MODELS.build(dict(type='DPTDepth', weights=str(dpt_folder)))
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (80, 60, 3), dtype=np.uint8), rng.integers(0, 256, (50, 50, 3), dtype=np.uint8)]
    depths = provider.estimate(images)
    assert [d.shape for d in depths] == [(80, 60), (50, 50)]

    # The same numbers as the transformers recipe run by hand.
    processor = DPTImageProcessor.from_pretrained(dpt_folder)
    model = DPTForDepthEstimation.from_pretrained(dpt_folder).eval()
    with torch.no_grad():
        output = model(**processor(images=[images[0]], return_tensors='pt'))
    expected = processor.post_process_depth_estimation(output, target_sizes=[(80, 60)])[0]['predicted_depth']
    np.testing.assert_allclose(depths[0], expected.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    'layout,photo,depth',
    [
        ('dresscode', 'dresses/images/012345_0.jpg', 'dresses/depth/012345_0.png'),
        ('easyportrait', 'images/train/abc.jpg', 'depth/train/abc.png'),
        ('ccp', 'photos/0001.jpg', 'depth/0001.png'),
        ('people_clothing', 'png_images/IMAGES/img_0001.png', 'depth/IMAGES/img_0001.png'),
        ('folder', 'images/a/b/c.jpeg', 'depth/a/b/c.png'),
    ],
)
def test_depth_path_rule_and_layout_detection(tmp_path, layout, photo, depth):
    root = tmp_path / layout
    (root / photo).parent.mkdir(parents=True)
    (root / photo).write_bytes(b'')
    assert depth_path_for(str(root / photo), str(root), LAYOUTS[layout].img_dir) == str(root / depth)
    assert find_photos(str(root), layout) == [str(root / photo)]
    assert detect_layout(str(root)) == layout


def test_depth_path_rule_refuses_paths_without_the_image_folder(tmp_path):
    with pytest.raises(ValueError, match="no folder named 'photos'"):
        depth_path_for(str(tmp_path / 'x' / '1.jpg'), str(tmp_path), 'photos')
    with pytest.raises(FileNotFoundError, match='no photos of any known layout'):
        detect_layout(str(tmp_path))


def test_inverse_depth_encoding():
    depth = np.array([[0.5, 1.0], [2.0, 1.25]], np.float32)
    encoded = encode_inverse_depth(depth)
    assert encoded.dtype == np.uint16 and encoded.min() == 0 and encoded.max() == 65535
    assert encoded[1, 1] == round(0.5 * 65535)
    assert not encode_inverse_depth(np.full((3, 3), 7.0)).any()
    with pytest.raises(ValueError, match='non-finite'):
        encode_inverse_depth(np.array([[np.nan, 1.0]]))


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / 'depth' / 'a.png'
    write_png_atomic(str(target), np.full((4, 5), 1000, np.uint16))
    assert cv2.imread(str(target), cv2.IMREAD_UNCHANGED).tolist() == [[1000] * 5] * 4

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(depth_maps.os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        write_png_atomic(str(target), np.zeros((4, 5), np.uint16))
    # The old file is intact and no temporary file is left.
    assert cv2.imread(str(target), cv2.IMREAD_UNCHANGED).tolist() == [[1000] * 5] * 4
    assert sorted(p.name for p in target.parent.iterdir()) == ['a.png']


def load_tool(relative: str):
    """Import a command-line tool as a module, to call its ``main`` without a new interpreter."""
    spec = importlib.util.spec_from_file_location(Path(relative).stem, REPO / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def photos_without_depth(synthetic_dresscode, tmp_path) -> Path:
    """A copy of the synthetic Dress Code set with its depth folders removed (3 photos per category)."""
    root = tmp_path / 'dresscode'
    shutil.copytree(synthetic_dresscode, root)
    for category in root.iterdir():
        if category.is_dir():
            shutil.rmtree(category / 'depth')
            for photo in sorted((category / 'images').glob('*_0.jpg'))[3:]:
                photo.unlink()
    return root


def test_precompute_writes_resumes_and_reports_unreadable_photos(photos_without_depth, midas_weights, capsys):
    root = photos_without_depth
    args = [
        'tools/misc/precompute_depth.py',
        '--data-root',
        str(root),
        '--provider',
        'midas_small',
        '--weights',
        str(midas_weights),
        '--batch-size',
        '2',
    ]
    first = run_tool(args)
    assert 'dresscode layout' in first.stdout and 'Written 9, skipped 0' in first.stdout
    photos = sorted(root.glob('*/images/*_0.jpg'))
    for photo in photos:
        depth = cv2.imread(str(photo.parent.parent / 'depth' / (photo.stem + '.png')), cv2.IMREAD_UNCHANGED)
        assert depth.dtype == np.uint16 and depth.shape == (128, 96) and depth.max() == 65535

    # The re-run and the failure case run in-process (the CLI start-up is covered above).
    precompute = load_tool('tools/misc/precompute_depth.py')
    assert precompute.main(args[1:]) == 0
    assert 'Written 0, skipped 9' in capsys.readouterr().out

    # The dataset's loader reads what the tool wrote.
    from mmext.datasets.transforms import LoadDepthMap

    sample = LoadDepthMap().transform(
        dict(depth_path=str(root / 'dresses' / 'depth' / (photos[0].stem + '.png')), ori_shape=(128, 96))
    )
    assert sample['gt_depth_map'].shape == (128, 96) and sample['gt_depth_map'].max() == 1.0

    broken = photos[0]
    broken.write_bytes(b'not a jpeg')
    (broken.parent.parent / 'depth' / (broken.stem + '.png')).unlink()
    assert precompute.main(args[1:]) == 1
    output = capsys.readouterr()
    assert 'Written 0, skipped 8 (already there), failed 1' in output.out
    assert f'{broken}: unreadable image' in output.err


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_precompute_killed_mid_run_leaves_only_complete_maps_and_resumes(photos_without_depth, midas_weights):
    root = photos_without_depth
    args = [
        sys.executable,
        'tools/misc/precompute_depth.py',
        '--data-root',
        str(root),
        '--provider',
        'midas_small',
        '--weights',
        str(midas_weights),
        '--batch-size',
        '1',
    ]
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not list(root.glob('*/depth/*.png')) and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = list(root.glob('*/depth/*.png'))
    assert 1 <= len(done) < 9, 'the run should have been killed part-way'
    for path in done:
        assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).shape == (128, 96), f'{path} is incomplete'

    resumed = run_tool(args[1:])
    assert f'Written {9 - len(done)}, skipped {len(done)}' in resumed.stdout
    assert len(list(root.glob('*/depth/*.png'))) == 9
    assert not list(root.glob('*/depth/.*.tmp'))


def test_estimate_depth_transform_matches_a_loaded_precomputed_map(synthetic_dresscode, midas_weights, tmp_path):
    """EstimateDepth (on the fly) gives what precompute_depth + LoadDepthMap give, up to 16-bit rounding."""
    from mmcv.transforms import LoadImageFromFile

    from mmext.datasets.transforms import EstimateDepth, LoadDepthMap

    photo = sorted((synthetic_dresscode / 'dresses' / 'images').glob('*_0.jpg'))[0]
    results = LoadImageFromFile().transform(dict(img_path=str(photo)))
    on_the_fly = EstimateDepth(provider=dict(type='MiDaSSmall', weights=str(midas_weights))).transform(results)
    assert on_the_fly['gt_depth_map'].shape == (128, 96) and 'gt_depth_map' in on_the_fly['seg_fields']

    provider = build_depth_provider('midas_small', str(midas_weights))
    rgb = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)
    write_png_atomic(str(tmp_path / 'd.png'), encode_inverse_depth(provider.estimate([rgb])[0]))
    loaded = LoadDepthMap().transform(dict(depth_path=str(tmp_path / 'd.png'), ori_shape=(128, 96)))
    np.testing.assert_allclose(on_the_fly['gt_depth_map'], loaded['gt_depth_map'], atol=1e-4)


def test_depth_cost_tool_reports_ratios_to_rgb_segmentation(tmp_path):
    out = tmp_path / 'cost.json'
    result = run_tool(
        [
            'tools/analysis_tools/depth_cost.py',
            'configs/ablations/dresscode_aux/depth_input.py',
            '--shape',
            '64',
            '64',
            '--repeat',
            '2',
            '--warmup',
            '0',
            '--out',
            str(out),
        ]
    )
    assert f'Written {out}' in result.stdout
    timings = json.loads(out.read_text())['timings']
    assert list(timings) == ['seg_rgb', 'midas_small_256', 'seg_rgbd_precomputed', 'depth_and_seg']
    assert timings['seg_rgb']['ratio_to_seg_rgb'] == 1.0
    assert all(t['median_ms'] > 0 and t['p90_ms'] >= t['median_ms'] for t in timings.values())
    # On the fly runs MiDaS and the RGB-D segmentor, so it costs more than either alone.
    assert timings['depth_and_seg']['median_ms'] > timings['seg_rgbd_precomputed']['median_ms']

    refused = run_tool(
        ['tools/analysis_tools/depth_cost.py', 'configs/ablations/dresscode_aux/seg_only.py', '--repeat', '1'],
        check=False,
    )
    assert refused.returncode != 0 and 'expected an RGB + depth model' in refused.stderr
