# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Config handling of the bad-sample policy: a top-level ``on_bad_sample`` spread to the datasets, and the
:class:`~mmext.engine.hooks.BadSampleHook` that reports what skipping datasets left out (docs/bad_data.md)."""

from typing import Any, Iterator, List, Optional

from mmext.datasets.bad_sample_policy import BAD_SAMPLE_POLICIES, BadSamplePolicyMixin

from .config_errors import ConfigCheckError

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def dataset_class(type_name: Any) -> Optional[type]:
    """The dataset class a config's ``type`` names (mmseg's registry, then mmdet's), or None."""
    if isinstance(type_name, type):
        return type_name
    from mmdet.registry import DATASETS as DET_DATASETS
    from mmseg.registry import DATASETS as SEG_DATASETS

    for registry in (SEG_DATASETS, DET_DATASETS):
        found = registry.get(type_name) if isinstance(type_name, str) else None
        if found is not None:
            return found
    return None


def _policy_dataset_cfgs(node: Any) -> Iterator[dict]:
    """Every dict below ``node`` whose ``type`` is a dataset class with ``on_bad_sample``."""
    if isinstance(node, dict):
        cls = dataset_class(node.get('type')) if 'type' in node else None
        if isinstance(cls, type) and issubclass(cls, BadSamplePolicyMixin):
            yield node
        for value in node.values():
            yield from _policy_dataset_cfgs(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _policy_dataset_cfgs(value)


def apply_bad_sample_policy(cfg) -> List[str]:
    """Give every mmext dataset of the config's data loaders the top-level ``on_bad_sample`` (when the config
    has one and the dataset does not set its own) and add :class:`BadSampleHook` to ``custom_hooks`` when a
    dataset skips bad samples. Returns notes of what was changed.

    Raises:
        ConfigCheckError: an ``on_bad_sample`` that is neither 'error' nor 'skip', naming the key.
    """
    default = cfg.get('on_bad_sample')
    if default is not None and default not in BAD_SAMPLE_POLICIES:
        raise ConfigCheckError(f'on_bad_sample must be one of {BAD_SAMPLE_POLICIES}, got {default!r}')
    notes, skipping = [], False
    for loader in LOADERS:
        for dataset in _policy_dataset_cfgs((cfg.get(loader) or {}).get('dataset')):
            if default is not None and 'on_bad_sample' not in dataset:
                dataset['on_bad_sample'] = default
                notes.append(f'{loader}: {dataset["type"]}(on_bad_sample={default!r})')
            if dataset.get('on_bad_sample', 'error') not in BAD_SAMPLE_POLICIES:
                raise ConfigCheckError(
                    f'{loader}: {dataset["type"]}(on_bad_sample={dataset["on_bad_sample"]!r}) '
                    f'must be one of {BAD_SAMPLE_POLICIES}'
                )
            skipping |= dataset.get('on_bad_sample') == 'skip'
    hooks = list(cfg.get('custom_hooks') or [])
    if skipping and not any(
        h.get('type') in ('BadSampleHook', 'mmseg.BadSampleHook')
        or getattr(h.get('type'), '__name__', None) == 'BadSampleHook'
        for h in hooks
    ):
        cfg.custom_hooks = hooks + [dict(type='BadSampleHook')]
        notes.append('on_bad_sample=skip: BadSampleHook added to custom_hooks')
    return notes
