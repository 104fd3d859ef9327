# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Hook settings a tool's options change in a config: hooks turned off with ``default_hooks.<name>=None`` and
the non-finite-loss policy (``--on-nonfinite``)."""

from typing import List

from mmengine.config import Config

__all__ = ['drop_disabled_hooks', 'set_nonfinite_policy']


def drop_disabled_hooks(cfg: Config) -> List[str]:
    """``default_hooks.<name>=None`` turns a hook off; mmengine accepts None only for its own default hooks, so
    such entries are removed before the Runner sees them. Returns what was turned off."""
    hooks = cfg.get('default_hooks') or {}
    disabled = [name for name, hook in hooks.items() if hook is None]
    for name in disabled:
        del hooks[name]
    return [f'default_hooks.{name} turned off' for name in disabled]


def set_nonfinite_policy(cfg: Config, policy: str) -> None:
    """``--on-nonfinite``: 'stop' or 'skip' (which also needs the skipping optimizer wrapper)."""
    if cfg.get('default_hooks') is None:
        cfg.default_hooks = {}
    cfg.default_hooks.nonfinite = dict(type='NonFiniteLossHook', on_nonfinite=policy)
    if policy == 'skip' and cfg.optim_wrapper.get('type', 'OptimWrapper') in ('OptimWrapper', 'mmengine.OptimWrapper'):
        cfg.optim_wrapper.type = 'SkipNonFiniteOptimWrapper'
