# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Config mistakes stop tools/train.py and tools/test.py before the first iteration, with exit status 2 and
one message naming the config key, the problem and the fix."""

import pytest
import torch
from faults import tiny_config
from test_resume import load_tool


@pytest.fixture(scope='module')
def tools():
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield load_tool('tools/train.py').main, load_tool('tools/test.py').main
    torch.use_deterministic_algorithms(deterministic)


def run(main, argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.err, out.out


CASES = {
    'unknown backbone type': (
        "model['backbone']['type'] = 'ResNetV1cc'",
        ["model.backbone.type: unknown type 'ResNetV1cc'", "Did you mean 'ResNetV1c'"],
    ),
    'unknown transform type': (
        "train_pipeline[4]['type'] = 'RandomFlipp'",
        ["error: train_dataloader.dataset.pipeline[4].type: unknown type 'RandomFlipp'", "Did you mean 'RandomFlip'"],
    ),
    'wrong backbone argument': (
        "model['backbone']['dept'] = 18",
        ["model.backbone.dept: ResNetV1c has no argument 'dept'", "Did you mean 'depth'?", 'base_channels'],
    ),
    'wrong head argument (passed on through **kwargs)': (
        "model['decode_head']['num_class'] = 2",
        ["model.decode_head.num_class: FCNHead has no argument 'num_class'", "Did you mean 'num_classes'?"],
    ),
    'wrong hook argument': (
        "default_hooks['checkpoint']['intervall'] = 2",
        ["default_hooks.checkpoint.intervall: AtomicCheckpointHook has no argument 'intervall'"],
    ),
    'unknown optimizer': (
        "optim_wrapper['optimizer']['type'] = 'AdamWW'",
        ["error: optim_wrapper.optimizer.type: unknown type 'AdamWW'", "Did you mean 'AdamW'"],
    ),
    'unknown scheduler (built by runner.train)': (
        "param_scheduler[0]['type'] = 'PolyLRR'",
        ["param_scheduler[0].type: unknown type 'PolyLRR'", "Did you mean 'PolyLR'"],
    ),
    'missing pretrained weights': (
        "model['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint='/no/resnet18.pth')",
        ["model.backbone.init_cfg.checkpoint: weight file '/no/resnet18.pth' not found"],
    ),
    'missing ImageNet weights that a converter writes': (
        "model['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint='/no/tf_efficientnet_lite0_imagenet.pth')",
        [
            "model.backbone.init_cfg.checkpoint: weight file '/no/tf_efficientnet_lite0_imagenet.pth' not found",
            'Write it with: python tools/model_converters/efficientnet_lite2timm.py',
        ],
    ),
    'missing data root': (
        "train_dataloader['dataset']['data_root'] = '/no/dresscode'",
        [
            "train_dataloader.dataset.data_root: folder '/no/dresscode' does not exist",
            '--cfg-options train_dataloader.dataset.data_root=DIR',
        ],
    ),
    'missing load_from': ("load_from = '/no/iter_100.pth'", ["load_from: weight file '/no/iter_100.pth' not found"]),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_train_stops_before_the_first_iteration(case, tmp_path, synthetic_dresscode, tools, capsys):
    extra, expected = CASES[case]
    config = tiny_config(tmp_path / 'cfg.py', synthetic_dresscode, extra=extra)
    code, err, out = run(tools[0], [str(config), '--work-dir', str(tmp_path / 'w')], capsys)
    assert code == 2, err
    assert err.count('error: ') == 1
    for text in expected:
        assert text in err, err
    assert 'Iter(train)' not in out + err
    assert not list((tmp_path / 'w').glob('*.pth'))


def test_missing_annotation_file_names_the_file(tmp_path, synthetic_dresscode, tools, capsys):
    config = tiny_config(
        tmp_path / 'cfg.py',
        synthetic_dresscode,
        extra="""
train_dataloader['dataset'] = dict(type='BaseSegDataset', data_root=train_dataloader['dataset']['data_root'],
                                   ann_file='splits/train.txt', pipeline=train_pipeline)""",
    )
    code, err, _ = run(tools[0], [str(config), '--work-dir', str(tmp_path / 'w')], capsys)
    assert code == 2
    assert f"train_dataloader.dataset.ann_file: '{synthetic_dresscode}/splits/train.txt' does not exist" in err


def test_dataset_that_cannot_be_built_names_the_loader_and_the_file(tmp_path, synthetic_dresscode, tools, capsys):
    empty = tmp_path / 'empty_root'
    empty.mkdir()
    config = tiny_config(
        tmp_path / 'cfg.py', synthetic_dresscode, extra=f"train_dataloader['dataset']['data_root'] = {str(empty)!r}"
    )
    code, err, _ = run(tools[0], [str(config), '--work-dir', str(tmp_path / 'w')], capsys)
    assert code == 2
    assert 'error: train_dataloader.dataset cannot be built: ' in err and str(empty) in err


def test_resume_with_a_dangling_last_checkpoint(tmp_path, synthetic_dresscode, tools, capsys):
    work = tmp_path / 'w'
    work.mkdir()
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))
    config = tiny_config(tmp_path / 'cfg.py', synthetic_dresscode)
    code, err, _ = run(tools[0], [str(config), '--work-dir', str(work), '--resume'], capsys)
    assert code == 2
    assert f"names '{work / 'iter_4.pth'}', which is not a file" in err and '--resume' in err
    code, err, _ = run(tools[0], [str(config), '--work-dir', str(work), '--resume', str(work / 'iter_2.pth')], capsys)
    assert code == 2 and f"resume: checkpoint '{work / 'iter_2.pth'}' not found" in err


def test_test_tool_stops_with_the_same_messages(tmp_path, synthetic_dresscode, tools, capsys):
    config = tiny_config(
        tmp_path / 'cfg.py',
        synthetic_dresscode,
        extra="""
model['backbone']['dept'] = 18
test_dataloader = dict(batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                       dataset=dict(type='DressCodeDataset', data_root=train_dataloader['dataset']['data_root'],
                                    split='test', label_mode='person',
                                    pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                                              dict(type='PackSegInputs')]))
test_cfg = dict(type='TestLoop')
test_evaluator = dict(type='IoUMetricc')""",
    )
    checkpoint = tmp_path / 'weights.pth'
    checkpoint.write_bytes(b'')
    code, err, _ = run(tools[1], [str(config), str(checkpoint), '--work-dir', str(tmp_path / 'w')], capsys)
    assert code == 2 and "model.backbone.dept: ResNetV1c has no argument 'dept'" in err
    config.write_text(config.read_text().replace("model['backbone']['dept'] = 18", ''))
    code, err, _ = run(tools[1], [str(config), str(checkpoint), '--work-dir', str(tmp_path / 'w')], capsys)
    assert code == 2 and "test_evaluator.type: unknown type 'IoUMetricc'" in err and "'IoUMetric'" in err
