# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""tools/infer.py: masks, overlays and JSON per image; unreadable inputs reported, the rest still processed."""

import json
import shutil

import cv2
import numpy as np
import pytest
from conftest import QUICKSTART_CONFIG, run_tool

from mmext.datasets.dresscode_meta import NUM_KEYPOINTS, PARSING_PALETTE


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_infer_folder_glob_and_bad_file(synthetic_dresscode, quickstart_checkpoint, tmp_path):
    photos = sorted((synthetic_dresscode / 'lower_body' / 'images').glob('*_0.jpg'))[:4]
    folder = tmp_path / 'folder'
    (folder / 'nested').mkdir(parents=True)  # folders are searched recursively
    shutil.copy(photos[0], folder)
    shutil.copy(photos[1], folder / 'nested')
    (tmp_path / 'globbed').mkdir()
    for photo in photos[2:]:
        shutil.copy(photo, tmp_path / 'globbed')
    glob_pattern = str(tmp_path / 'globbed' / '*.jpg')
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(cv2.imencode('.jpg', np.zeros((64, 48, 3), np.uint8))[1].tobytes()[:100])  # truncated
    out = tmp_path / 'out'
    args = [
        'tools/infer.py',
        QUICKSTART_CONFIG,
        str(quickstart_checkpoint),
        str(folder),
        glob_pattern,
        str(broken),
        str(tmp_path / 'nothing_*.png'),
        '--out',
        str(out),
        '--show-keypoints',
        '--opacity',
        '0.7',
    ]
    result = run_tool(args, check=False)
    assert result.returncode == 1, result.stderr[-3000:]
    assert f'{broken}: cannot be read as an image' in result.stderr
    assert 'matched no image file' in result.stderr
    assert '4 of 5 images segmented' in result.stdout
    assert len(list(out.glob('*.json'))) == 4

    photo_path = photos[1]
    stem = photo_path.stem
    photo = cv2.imread(str(photo_path))
    mask = cv2.imread(str(out / f'{stem}_mask.png'))
    overlay = cv2.imread(str(out / f'{stem}_overlay.jpg'))
    summary = json.loads((out / f'{stem}.json').read_text())
    assert mask.shape == overlay.shape == photo.shape
    assert (summary['height'], summary['width']) == photo.shape[:2]
    assert sum(a['pixels'] for a in summary['class_areas'].values()) == photo.shape[0] * photo.shape[1]
    assert abs(sum(a['fraction'] for a in summary['class_areas'].values()) - 1) < 1e-6
    # The mask's colours are the palette colours of the classes listed in the JSON, with those pixel counts.
    for name, area in summary['class_areas'].items():
        bgr = PARSING_PALETTE[summary['classes'].index(name)][::-1]
        assert int((mask == bgr).all(-1).sum()) == area['pixels'], name
    assert len(summary['keypoints']) == NUM_KEYPOINTS
    assert summary['latency_ms'] > 0

    # Outputs are never replaced silently.
    again = run_tool(
        ['tools/infer.py', QUICKSTART_CONFIG, str(quickstart_checkpoint), str(photo_path), '--out', str(out)],
        check=False,
    )
    assert again.returncode == 1 and 'exists (use --overwrite' in again.stderr


def test_infer_help():
    result = run_tool(['tools/infer.py', '--help'])
    assert '--show-keypoints' in result.stdout and '--palette' in result.stdout
