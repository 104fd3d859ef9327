# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""What a new user did in their first hour, reproduced: the ONNX export of the quickstart model at its default
shape, the skeleton the overlay draws (and says it draws), the console during training, error messages for
common mistakes, --help examples that name files that exist, and oversized photos."""

import ast
import json
import re

import cv2
import numpy as np
import pytest
from conftest import QUICKSTART_CONFIG, REPO, run_tool
from test_tools import small_config

TOOLS = sorted(p for p in (REPO / 'tools').rglob('*.py')) + sorted((REPO / 'projects').glob('*/*.py'))


def test_onnx_export_of_the_quickstart_model_at_its_default_shape(quickstart_checkpoint, tmp_path):
    out = tmp_path / 'm.onnx'
    result = run_tool(
        ['tools/deployment/export_onnx.py', QUICKSTART_CONFIG, str(quickstart_checkpoint), '--out', str(out)],
        timeout=900,
    )
    assert 'Input size 256 x 192 from the test pipeline' in result.stdout
    report = json.loads((tmp_path / 'm.json').read_text())
    assert report['shape'] == [1, 3, 256, 192]
    for check in report['checks_simplified'].values():
        assert check['relative_error'] < 1e-4
        assert check['ort_class_agreement'] >= check['torch_class_agreement'] - 1e-3
    assert out.is_file() and 'Written' in result.stdout


@pytest.mark.slow  # whole training or tool runs: make test-all
def test_show_keypoints_says_how_many_joints_it_drew(quickstart_checkpoint, synthetic_dresscode, tmp_path):
    photo = sorted((synthetic_dresscode / 'dresses' / 'images').glob('*_0.jpg'))[0]
    result = run_tool(
        [
            'tools/infer.py',
            QUICKSTART_CONFIG,
            str(quickstart_checkpoint),
            str(photo),
            '--out',
            str(tmp_path / 'hi'),
            '--show-keypoints',
            '--kpt-thr',
            '1e9',
            '--index-mask',
        ]
    )
    summary = json.loads(next((tmp_path / 'hi').glob('*.json')).read_text())
    assert summary['keypoints_drawn'] == 0 and len(summary['keypoints']) == 18
    assert 'no joint scored >= --kpt-thr 1000000000.0' in result.stderr
    labels = cv2.imread(str(next((tmp_path / 'hi').glob('*_labels.png'))), cv2.IMREAD_UNCHANGED)
    assert labels.shape == cv2.imread(str(photo)).shape[:2] and labels.max() < 18
    overlay = cv2.imread(str(next((tmp_path / 'hi').glob('*_overlay.jpg'))))
    run_tool(
        [
            'tools/infer.py',
            QUICKSTART_CONFIG,
            str(quickstart_checkpoint),
            str(photo),
            '--out',
            str(tmp_path / 'bare'),
            '--no-legend',
        ]
    )
    bare = cv2.imread(str(next((tmp_path / 'bare').glob('*_overlay.jpg'))))
    assert overlay.shape == bare.shape == cv2.imread(str(photo)).shape  # the legend is drawn inside the photo
    assert np.abs(overlay.astype(int) - bare).max() > 100
    low = run_tool(
        [
            'tools/infer.py',
            QUICKSTART_CONFIG,
            str(quickstart_checkpoint),
            str(photo),
            '--out',
            str(tmp_path / 'low'),
            '--show-keypoints',
            '--kpt-thr',
            '0',
        ]
    )
    assert json.loads(next((tmp_path / 'low').glob('*.json')).read_text())['keypoints_drawn'] > 0
    assert 'no joint scored' not in low.stderr


def test_training_console_shows_what_trains_and_progress_not_the_config(synthetic_dresscode, tmp_path):
    config = small_config(tmp_path, synthetic_dresscode, extra='train_cfg = dict(max_iters=2, val_interval=1000)')
    result = run_tool(['tools/train.py', str(config), '--work-dir', str(tmp_path / 'w'), '--threads', '1'])
    console = result.stdout
    assert 'Training MultiTaskEncoderDecoder / TopFormer-base / TopFormerHead + auxiliary heads' in console
    assert re.search(r'train +DressCodeDataset: 24 samples from ', console)
    assert '2 iterations of batch 2 x 1 process(es), 1 CPU thread(s)' in console
    assert re.search(r'Iter\(train\) \[2/2\].*eta', console + result.stderr)
    assert 'Config:' not in console and 'System environment' not in console and 'Hooks will be executed' not in console
    log = next((tmp_path / 'w').glob('*/*.log')).read_text()
    assert 'Config:' in log and 'System environment' in log  # everything is in the log file
    assert len(console.splitlines()) < 80  # progress and the val tables; the config dump alone is ~400 lines


@pytest.mark.parametrize(
    'mistake, expected',
    [
        (
            ['configs/quickstart/topformer_b_dresscode_cpu_.py'],
            'config file configs/quickstart/topformer_b_dresscode_cpu_.py does not exist; did you mean '
            'configs/quickstart/topformer_b_dresscode_cpu.py',
        ),
        (
            [QUICKSTART_CONFIG, '--cfg-options', 'train_cfg.max_iters', '10'],
            "--cfg-options takes KEY=VALUE pairs; 'train_cfg.max_iters' has no \"=\" -- "
            'did you mean train_cfg.max_iters=10?',
        ),
    ],
)
def test_mistakes_get_one_short_message(mistake, expected):
    result = run_tool(['tools/train.py', *mistake], check=False)
    assert result.returncode == 2 and expected in result.stderr
    assert 'Traceback' not in result.stderr and len(result.stderr) < 1500


def test_misspelt_dataloader_key_is_explained(synthetic_dresscode, tmp_path):
    config = small_config(tmp_path, synthetic_dresscode)
    result = run_tool(
        [
            'tools/train.py',
            str(config),
            '--work-dir',
            str(tmp_path / 'w'),
            '--cfg-options',
            'train_dataloader.batch_sise=2',
        ],
        check=False,
    )
    assert result.returncode == 2
    assert (
        "train_dataloader.batch_sise: a data loader has no setting 'batch_sise'. Did you mean 'batch_size'?"
        in result.stderr
    )
    assert 'Traceback' not in result.stderr


def test_checkpoint_of_another_config_is_explained_in_a_few_lines(quickstart_checkpoint, synthetic_dresscode, tmp_path):
    config = small_config(tmp_path, synthetic_dresscode, extra='model = dict(decode_head=dict(num_classes=7))')
    result = run_tool(
        ['tools/test.py', str(config), str(quickstart_checkpoint), '--work-dir', str(tmp_path / 't')], check=False
    )
    assert result.returncode == 2
    assert 'it was trained for 18 classes, the config has 7' in result.stderr
    assert len(result.stderr) < 1500  # the key lists go to the log, not the console


def test_help_examples_name_files_that_exist():
    missing = []
    for tool in TOOLS:
        doc = ast.get_docstring(ast.parse(tool.read_text())) or ''
        for path in re.findall(r'\b((?:configs|projects)/[\w./{},-]+\.py)\b', doc):
            if '{' not in path and not (REPO / path).is_file():
                missing.append(f'{tool.relative_to(REPO)}: {path}')
    assert not missing


def test_infer_refuses_oversized_photos_and_goes_on(quickstart_checkpoint, synthetic_dresscode, tmp_path):
    photo = sorted((synthetic_dresscode / 'dresses' / 'images').glob('*_0.jpg'))[0]
    big = tmp_path / 'big.png'
    cv2.imwrite(str(big), np.zeros((200, 300, 3), np.uint8))
    result = run_tool(
        [
            'tools/infer.py',
            QUICKSTART_CONFIG,
            str(quickstart_checkpoint),
            str(photo),
            str(big),
            '--out',
            str(tmp_path / 'o'),
            '--max-pixels',
            '50000',
        ],
        check=False,
    )
    assert result.returncode == 1
    assert 'big.png: the image is 300 x 200 pixels (0.06 MP); at most 0.05 MP are accepted' in result.stderr
    assert len(list((tmp_path / 'o').glob('*.json'))) == 1  # the other photo was segmented
