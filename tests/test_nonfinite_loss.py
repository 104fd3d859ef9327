# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A NaN loss term at iteration 3: 'stop' names the iteration and the term before anything of it is saved;
'skip' leaves the weights untouched for that step and trains on."""

import math

import pytest
import torch
from faults import tiny_config
from mmengine.config import Config
from test_resume import load_tool

PROBE = (
    "model['decode_head']['loss_decode'] = [dict(type='CrossEntropyLoss', loss_weight=1.0), "
    "dict(type='NaNProbeLoss', nan_at=(3,), loss_name='loss_probe')]"
)


@pytest.fixture
def train_main():
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield load_tool('tools/train.py').main
    torch.use_deterministic_algorithms(deterministic)


def parameters(path) -> dict:
    checkpoint = torch.load(path)
    return {k: v for k, v in checkpoint['state_dict'].items() if 'running_' not in k and 'num_batches' not in k}


def test_stop_names_iteration_and_loss_term(tmp_path, synthetic_dresscode, train_main):
    config = tiny_config(tmp_path / 'stop.py', synthetic_dresscode, extra=PROBE)
    from mmext.engine.hooks import NonFiniteLossError

    with pytest.raises(NonFiniteLossError) as error:
        train_main([str(config), '--work-dir', str(tmp_path / 'w')])
    message = str(error.value)
    assert 'iteration 3' in message and 'decode.loss_probe=nan' in message
    assert f"the last checkpoint is {tmp_path / 'w' / 'iter_2.pth'}" in message
    assert sorted(p.name for p in (tmp_path / 'w').glob('iter_*.pth')) == ['iter_2.pth']  # nothing of iteration 3


def test_skip_drops_the_update_counts_it_and_trains_on(tmp_path, synthetic_dresscode, train_main, capsys):
    extra = PROBE + "\ndefault_hooks['checkpoint'].update(interval=1, max_keep_ckpts=10)"
    config = tiny_config(tmp_path / 'skip.py', synthetic_dresscode, extra=extra)
    work = tmp_path / 'w'
    assert train_main([str(config), '--work-dir', str(work), '--on-nonfinite', 'skip']) == 0
    before, after, later = (parameters(work / f'iter_{i}.pth') for i in (2, 3, 4))
    for key, value in before.items():
        assert torch.equal(after[key], value), key  # iteration 3's update was not applied
        assert torch.isfinite(later[key]).all(), key
    assert any(not torch.equal(later[k], after[k]) for k in after)  # iteration 4 trained again
    checkpoint = torch.load(work / 'iter_6.pth')
    assert checkpoint['message_hub']['runtime_info']['nonfinite_skipped_steps'] == 1
    log = capsys.readouterr()
    assert 'Non-finite loss at iteration 3: decode.loss_probe=nan' in log.out + log.err
    assert 'optimizer step skipped (1 skipped so far)' in log.out + log.err


def test_without_the_guard_the_nan_reaches_the_weights(tmp_path, synthetic_dresscode, train_main):
    """The failure the hook prevents: plain mmengine applies the NaN update and trains on."""
    extra = PROBE + "\ndefault_hooks['nonfinite'] = None\ndefault_hooks['checkpoint']['interval'] = 3"
    config = tiny_config(tmp_path / 'plain.py', synthetic_dresscode, extra=extra, max_iters=3)
    assert train_main([str(config), '--work-dir', str(tmp_path / 'w')]) == 0
    weights = parameters(tmp_path / 'w' / 'iter_3.pth')
    assert any(not torch.isfinite(v).all() for v in weights.values())


def test_skip_needs_a_skipping_optimizer_wrapper():
    from mmext.utils.hook_settings import set_nonfinite_policy

    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))))
    set_nonfinite_policy(cfg, 'skip')
    assert cfg.optim_wrapper.type == 'SkipNonFiniteOptimWrapper'
    assert cfg.default_hooks.nonfinite == dict(type='NonFiniteLossHook', on_nonfinite='skip')
    from mmext.engine.hooks import NonFiniteLossHook, nonfinite_terms

    with pytest.raises(ValueError, match='on_nonfinite must be one of'):
        NonFiniteLossHook('ignore')
    terms = nonfinite_terms(
        {'loss': torch.tensor(math.inf), 'decode.loss_ce': torch.tensor(1.0), 'decode.acc_seg': torch.tensor(math.nan)}
    )
    assert terms == {'loss': math.inf}  # only loss terms; accuracies may be NaN legitimately
