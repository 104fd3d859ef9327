# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Train and evaluate in the channels_last memory format (NHWC), switched on from the config."""

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


def _inputs_to_channels_last(module, args, output):
    if isinstance(output, dict) and isinstance(output.get('inputs'), torch.Tensor) and output['inputs'].dim() == 4:
        output['inputs'] = output['inputs'].contiguous(memory_format=torch.channels_last)
    return output


def to_channels_last(model: torch.nn.Module) -> None:
    """Convert every 4-d parameter and buffer of ``model`` to channels_last, in place (the Parameter objects
    stay the same, so optimizers keep their references)."""
    model.to(memory_format=torch.channels_last)


def is_channels_last(model: torch.nn.Module) -> bool:
    return all(p.is_contiguous(memory_format=torch.channels_last) for p in model.parameters() if p.dim() == 4)


def channels_last_declared(cfg) -> bool:
    """Whether the config asks for :class:`ChannelsLastHook` (in ``custom_hooks`` or ``default_hooks``)."""
    hooks = list((cfg.get('default_hooks') or {}).values()) + list(cfg.get('custom_hooks') or [])
    for hook in hooks:
        kind = hook.get('type') if isinstance(hook, dict) else hook
        name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
        if name.split('.')[-1] == 'ChannelsLastHook':
            return True
    return False


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-d weights and the data preprocessor's batches to channels_last.

    oneDNN's convolutions run without layout reorders in NHWC: on the CPU a TopFormer-B training step is
    about x1.28 faster (Intel Xeon with AMX; projects/ccp_pose_aux/README.md measures this machine).
    Outputs are the same up to float rounding. Parameters are converted in place, so the optimizer keeps its
    references and resumed runs continue unchanged. Use it with ``custom_hooks = [dict(type='ChannelsLastHook')]``.

    With DistributedDataParallel the weights must be channels_last *before* DDP wraps the model: DDP lays out
    its gradient buckets like the parameters when it is built, and parameters converted afterwards produce
    gradients whose strides do not match the buckets (a warning, and a copy of every gradient at each step until
    DDP rebuilds its buckets). Hooks only run after the Runner has wrapped the model, so
    :class:`~mmext.engine.runner.MMExtRunner` (the runner of ``tools/train.py``) converts the model before
    wrapping it when the config declares this hook. The hook then converts again after the checkpoint is loaded
    (a no-op when nothing changed the layout) and adds the batch conversion.
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._handle = None

    def _convert(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if is_model_wrapper(runner.model) and not is_channels_last(model) and hasattr(runner, 'logger'):
            runner.logger.warning(
                'ChannelsLastHook: the model was wrapped before it was converted to channels_last '
                '(not built by MMExtRunner?): DDP copies gradients whose layout does not match '
                'its buckets until it rebuilds them'
            )
        to_channels_last(model)
        if self._handle is None:
            self._handle = model.data_preprocessor.register_forward_hook(_inputs_to_channels_last)

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
