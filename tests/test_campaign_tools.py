# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The CPU training levers and the campaign's measuring tools: ChannelsLastHook, run result files, paired
differences with seed and per-image intervals."""

import importlib.util
import json
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.stats
import torch
from conftest import REPO, run_tool
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmext  # noqa: F401
from mmext.datasets.conversion import fold_stems
from mmext.engine.hooks import ChannelsLastHook

SEG_ONLY = REPO / 'projects/ccp_pose_aux/configs/clothing4/seg_only.py'


def load_tool(relative: str):
    spec = importlib.util.spec_from_file_location(relative.replace('/', '_')[:-3], REPO / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_channels_last_hook_converts_weights_and_batches_and_keeps_outputs():
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(SEG_ONLY))
    cfg.model.backbone.norm_cfg = cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    batch = dict(inputs=[torch.randint(0, 256, (3, 64, 48), dtype=torch.uint8)], data_samples=None)
    with torch.no_grad():
        before = model(**model.data_preprocessor(batch), mode='tensor')
    weight = model.backbone.tpm.stem[0].c.weight
    ChannelsLastHook().before_val(SimpleNamespace(model=model))
    assert model.backbone.tpm.stem[0].c.weight is weight  # converted in place: optimizers keep their references
    assert weight.is_contiguous(memory_format=torch.channels_last) and weight.dim() == 4
    processed = model.data_preprocessor(batch)
    assert processed['inputs'].is_contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        after = model(**processed, mode='tensor')
    assert (after - before).abs().max() <= 1e-4 * before.abs().max()


def run_file(tmp_path, name: str, seed: int, miou: float, inter, union) -> str:
    folder = tmp_path / 'runs' / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f'seed{seed}.json'
    path.write_text(
        json.dumps(
            dict(
                config='projects/ccp_pose_aux/configs/clothing4/seg_only.py',
                seed=seed,
                train_time_s=10.0,
                params_inference=1000,
                metrics={'mIoU': miou, 'per_image_mIoU': miou - 5},
                learning_curve=dict(val=[[100, miou - 10], [400, miou - 1], [500, miou]], loss=[]),
                per_image=dict(
                    images=[f'im{i}' for i in range(len(inter))],
                    intersection=inter,
                    union=union,
                    classes=['background', 'person'],
                ),
            )
        )
    )
    return str(folder)


def test_paired_differences_seed_t_interval_and_image_bootstrap(tmp_path):
    table = load_tool('tools/analysis_tools/ablation_table.py')
    rng = np.random.default_rng(0)
    union = rng.integers(50, 100, (40, 2))
    base_inter = (union * 0.6).astype(int)
    better_inter = (union * 0.7).astype(int)
    base_miou = float(table.dataset_miou(base_inter, union))
    better_miou = float(table.dataset_miou(better_inter, union))
    assert base_miou == pytest.approx(100 * (base_inter.sum(0) / union.sum(0)).mean())
    base = [
        run_file(tmp_path, 'seg_only', s, base_miou + d, base_inter.tolist(), union.tolist())
        for s, d in zip(range(3), (0.0, 0.5, -0.5))
    ][0]
    ours = [
        run_file(tmp_path, 'pose_input', s, better_miou + d, better_inter.tolist(), union.tolist())
        for s, d in zip(range(3), (1.0, 0.5, 1.5))
    ][0]
    runs = table.load_runs(base) + table.load_runs(ours)
    rows = table.paired_differences(runs, 'seg_only', bootstrap=500)
    miou = rows[0]['mIoU']
    expected = better_miou - base_miou + 1.0
    assert miou['per_seed'] == pytest.approx([better_miou - base_miou + d for d in (1.0, 0.0, 2.0)])
    assert miou['diff'] == pytest.approx(expected)
    half = scipy.stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)  # t(0.975, 2) x sample std 1.0 / sqrt(3)
    assert miou['ci_seeds'] == pytest.approx([expected - half, expected + half])
    low, high = miou['ci_images']
    assert low < better_miou - base_miou < high and high - low < 5
    out = tmp_path / 'out'
    assert table.main([base, ours, '--baseline', 'seg_only', '--no-cost', '--bootstrap', '200', '--out', str(out)]) == 0
    assert (out / 'ablation_diff.png').stat().st_size > 0 and 'pose_input' in (out / 'ablation_diff.md').read_text()
    curves = json.loads((out / 'learning_curves.json').read_text())['rows']
    assert curves['seg_only']['tail_from'] == 400 and curves['seg_only']['tail_gain_per_seed'] == [1.0] * 3
    assert (out / 'learning_curves.png').stat().st_size > 0
    assert table.main([base, '--baseline', 'nope', '--no-cost', '--out', str(out)]) == 1


def test_campaign_variants_share_one_schedule_and_the_longer_runs_change_only_the_schedule():
    def schedule_and_data(cfg: Config) -> dict:
        loaders = {split: cfg[f'{split}_dataloader'].to_dict() for split in ('train', 'val')}
        for loader in loaders.values():
            loader['dataset'].pop('pipeline')  # pose_input adds its input channels there
        return dict(
            loaders,
            **{
                key: cfg[key]
                for key in ('max_iters', 'param_scheduler', 'train_cfg', 'optim_wrapper', 'randomness', 'val_evaluator')
            },
        )

    variants = {path.stem: Config.fromfile(str(path)) for path in SEG_ONLY.parent.glob('*.py')}
    assert set(variants) == {'seg_only', 'landmarks', 'skeleton', 'landmarks_skeleton', 'pose_input'}
    for name, cfg in variants.items():
        assert schedule_and_data(cfg) == schedule_and_data(variants['seg_only']), name

    pilot = Config.fromfile(str(SEG_ONLY.parent.parent / 'schedule/seg_only_8k.py')).to_dict()
    base = variants['seg_only'].to_dict()
    assert pilot['max_iters'] == 2 * base['max_iters'] == 8000
    warmup, decay = pilot['param_scheduler']
    assert warmup == base['param_scheduler'][0] and (decay['begin'], decay['end']) == (warmup['end'], 8000)
    assert pilot['train_cfg']['max_iters'] == 8000 and pilot['train_cfg']['val_interval'] == 400
    assert pilot['default_hooks']['checkpoint']['interval'] == 800  # a tenth of the run, as at 4000 iterations
    changed = {key for key in set(pilot) | set(base) if pilot.get(key) != base.get(key)}
    assert changed == {'max_iters', 'param_scheduler', 'train_cfg', 'default_hooks'}
    hooks = [
        {**cfg['default_hooks'], 'checkpoint': {**cfg['default_hooks']['checkpoint'], 'interval': None}}
        for cfg in (pilot, base)
    ]
    assert hooks[0] == hooks[1]  # of the hooks only the checkpoint interval changes

    # The converged campaign: each variant on the pilot's schedule, everything else as at 4000 iterations.
    converged = {
        path.stem: Config.fromfile(str(path)).to_dict()
        for path in (SEG_ONLY.parent.parent / 'clothing4_8k').glob('*.py')
    }
    assert set(converged) == set(variants) - {'seg_only'}  # its 8000-iteration runs are schedule/seg_only_8k
    for name, cfg in converged.items():
        short = variants[name].to_dict()
        assert {key for key in set(cfg) | set(short) if cfg.get(key) != short.get(key)} == changed, name
        assert {key: cfg[key] for key in changed} == {key: pilot[key] for key in changed}, name


def test_every_pose_config_takes_its_schedule_from_one_schedule_file():
    """The study's schedules are declared once, one file per length (its configs/_base_/schedules/), each
    consistent with its own length: warm-up and decay meet, the decay ends with the run, and the last iteration is
    validated and saved. Every config of the study runs exactly one of them, unchanged: the 8000-iteration runs
    validate every 400 iterations (as the 4000-iteration ones: their learning curves line up) and checkpoint every
    tenth of the run."""
    configs = REPO / 'projects/ccp_pose_aux/configs'
    keys = (
        'max_iters',
        'warmup_iters',
        'optim_wrapper',
        'auto_scale_lr',
        'param_scheduler',
        'train_cfg',
        'val_cfg',
        'test_cfg',
        'default_hooks',
    )
    schedules = {}
    for path in (configs / '_base_' / 'schedules').glob('*.py'):
        schedule = schedules[path.stem] = {key: Config.fromfile(str(path)).to_dict()[key] for key in keys}
        iters, (warmup, decay) = schedule['max_iters'], schedule['param_scheduler']
        assert (warmup['begin'], warmup['end'], decay['begin'], decay['end']) == (
            0,
            schedule['warmup_iters'],
            schedule['warmup_iters'],
            iters,
        ), path.stem
        assert schedule['train_cfg']['max_iters'] == iters, path.stem
        assert iters % schedule['train_cfg']['val_interval'] == 0, path.stem
        assert iters % schedule['default_hooks']['checkpoint']['interval'] == 0, path.stem
    short, long = schedules['schedule_4k'], schedules['schedule_8k']
    assert long['train_cfg']['val_interval'] == short['train_cfg']['val_interval'] == 400
    for schedule in (short, long):
        assert schedule['default_hooks']['checkpoint']['interval'] == schedule['max_iters'] // 10

    expected = dict(
        clothing4='schedule_4k',
        speed='schedule_4k',
        clothing4_8k='schedule_8k',
        schedule='schedule_8k',
        pretrained='schedule_1k_finetune',
    )
    leaves = sorted(path for path in configs.glob('*/*.py') if path.parent.name != '_base_')
    assert {path.parent.name for path in leaves} == set(expected)
    for path in leaves:
        cfg = Config.fromfile(str(path)).to_dict()
        runs = [name for name, schedule in schedules.items() if all(cfg[key] == schedule[key] for key in keys)]
        assert runs == [expected[path.parent.name]], path.relative_to(configs)


def test_campaign_runner_defaults_to_every_config_of_the_label_set_and_skips_finished_runs(tmp_path):
    runner = load_tool('projects/ccp_pose_aux/run_campaign.py')
    args = runner.parse_args(['--label-set', 'clothing4_8k', '--runs-dir', str(tmp_path)])
    assert args.variants == ['landmarks', 'skeleton', 'landmarks_skeleton', 'pose_input']  # the table's order
    finished = tmp_path / 'clothing4_8k' / 'skeleton' / 'seed1.json'
    finished.parent.mkdir(parents=True)
    finished.write_text('{}')
    result = run_tool(
        [
            'projects/ccp_pose_aux/run_campaign.py',
            '--label-set',
            'clothing4_8k',
            '--runs-dir',
            str(tmp_path),
            '--seeds',
            '0',
            '1',
            '--dry-run',
        ]
    )
    assert '8 runs' in result.stdout and '1 done, 7 to do' in result.stdout
    assert 'to do: skeleton seed 0' in result.stdout and 'to do: skeleton seed 1' not in result.stdout
    with pytest.raises(SystemExit):
        runner.parse_args(['--label-set', 'no_such_label_set'])


def test_the_committed_cv_folds_are_what_ccp_py_makes_of_the_study_photos():
    """splits/ccp/fold<k>_*.txt: ccp.py --folds 5 --seed 0 on the study's 804 photos; each photo held out once."""
    splits = REPO / 'splits' / 'ccp'

    def read(name: str) -> list:
        return (splits / name).read_text().split()

    stems = read('train.txt') + read('val.txt')
    assert len(stems) == len(set(stems)) == 804
    folds = fold_stems(stems, 5, seed=0)
    held_out = []
    for k, (train, val) in enumerate(folds):
        assert read(f'fold{k}_train.txt') == train and read(f'fold{k}_val.txt') == val
        assert not set(train) & set(val) and len(train) + len(val) == 804
        held_out += val
    assert sorted(held_out) == sorted(stems)
    assert [len(val) for _, val in folds] == [161, 161, 161, 161, 160]


def test_the_converter_writes_the_folds_and_the_campaign_moves_every_split_to_one(ccp_out, tmp_path):
    fold_files = sorted(p.name for p in (ccp_out / 'splits').glob('fold*.txt'))
    assert len(fold_files) == 10
    held_out = [s for k in range(5) for s in (ccp_out / 'splits' / f'fold{k}_val.txt').read_text().split()]
    assert sorted(held_out) == sorted(
        (ccp_out / 'splits' / 'train.txt').read_text().split() + (ccp_out / 'splits' / 'val.txt').read_text().split()
    )

    runner = load_tool('projects/ccp_pose_aux/run_campaign.py')
    config = str(REPO / 'projects/ccp_pose_aux/configs/pretrained/seg_only.py')
    options = runner.fold_options(config, 2)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(dict(option.split('=') for option in options))
    splits = [
        cfg.train_dataloader.dataset.split,
        cfg.val_dataloader.dataset.split,
        cfg.test_dataloader.dataset.split,
        cfg.val_evaluator[2].mean_pose_dataset.split,
        cfg.test_evaluator[2].mean_pose_dataset.split,
    ]
    assert splits == ['fold2_train', 'fold2_val', 'fold2_val', 'fold2_train', 'fold2_train']
    assert runner.result_path('runs', 'pretrained', 'seg_only', 0, 2) == 'runs/pretrained/seg_only/fold2.json'
    result = run_tool(
        [
            'projects/ccp_pose_aux/run_campaign.py',
            '--label-set',
            'pretrained',
            '--variants',
            'seg_only',
            'pose_input',
            '--folds',
            '0',
            '4',
            '--runs-dir',
            str(tmp_path),
            '--dry-run',
        ]
    )
    assert '4 runs' in result.stdout and 'folds [0, 4], seed 0' in result.stdout
    assert 'to do: pose_input fold 4' in result.stdout


def test_the_pretrained_variants_differ_from_seg_only_only_in_their_heads_or_inputs():
    folder = REPO / 'projects/ccp_pose_aux/configs/pretrained'
    variants = {path.stem: Config.fromfile(str(path)).to_dict() for path in folder.glob('*.py')}
    assert {'seg_only', 'skeleton', 'pose_input'} <= set(variants)
    base = variants['seg_only']
    assert base['model']['backbone']['type'] == 'TimmEncoder'
    assert base['model']['backbone']['init_cfg']['type'] == 'Pretrained'
    assert base['model']['data_preprocessor']['mean'] == [127.5] * 3
    scratch = Config.fromfile(str(SEG_ONLY)).to_dict()
    for key in ('train_dataloader', 'val_dataloader', 'val_evaluator', 'crop_size', 'image_scale'):
        assert base[key] == scratch[key], key  # the same data, crops and full-size evaluation
    for name, cfg in variants.items():
        changed = {key for key in set(cfg) | set(base) if cfg.get(key) != base.get(key)}
        assert changed <= {'model', 'train_dataloader', 'val_dataloader', 'test_dataloader'}, (name, changed)
        for key in ('max_iters', 'param_scheduler', 'train_cfg', 'optim_wrapper', 'randomness'):
            assert cfg[key] == base[key], (name, key)
    posed = variants['pose_input']['model']
    assert posed['backbone']['in_channels'] == 5 and posed['backbone']['extra_in_channels_init'] == 'zeros'
    assert posed['data_preprocessor']['mean'] == [127.5] * 3 + [0.0, 0.0]
