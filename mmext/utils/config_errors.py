# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Explain mmengine's build errors: which config key, what is wrong, what to write instead.

mmengine reports an unknown ``type`` or a wrong argument name as a ``KeyError`` / ``TypeError`` from deep
inside the nested builds ("class `EncoderDecoder` in ...: class `ResNetV1c` in ...: ResNetV1c.__init__()
got an unexpected keyword argument 'dept'"), without the config key and without the valid names.
:func:`explain_build_error` turns such an error into one message; :func:`explained_build_errors` raises it
as :class:`ConfigCheckError`.
"""

import difflib
import inspect
import re
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Set, Tuple

import mmengine.registry as root_registries
from mmengine.registry import Registry

_UNKNOWN_TYPE = re.compile(r"([\w.]+) is not in the ([\w.]+)::([\w ]+?) registry")
_BAD_ARGUMENT = re.compile(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")
_MISSING_ARGUMENT = re.compile(
    r"(\w+)\.__init__\(\) missing \d+ required (?:positional |keyword-only )?"
    r"arguments?: (.+?)(?:'|\"|$)"
)


class ConfigCheckError(ValueError):
    """A config that cannot run: names the key, the file and what to do."""


def walk_dicts(node: Any, path: str = '') -> Iterator[Tuple[str, dict]]:
    """Yield (dotted key, dict) for every dict inside a config node."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk_dicts(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from walk_dicts(value, f'{path}[{i}]')


def _registries() -> List[Registry]:
    """mmengine's root registries and all their children (mmseg, mmdet, mmpose, ...)."""
    found, todo = [], [r for r in vars(root_registries).values() if isinstance(r, Registry)]
    while todo:
        registry = todo.pop()
        if all(registry is not r for r in found):
            found.append(registry)
            todo.extend(registry.children.values())
    return found


def _classes_named(type_name: str) -> List[type]:
    short = type_name.rsplit('.', 1)[-1]
    return [r.module_dict[short] for r in _registries() if inspect.isclass(r.module_dict.get(short))]


def accepted_arguments(cls: type) -> List[str]:
    """Keyword arguments ``cls`` accepts, following ``**kwargs`` up the class hierarchy."""
    names: List[str] = []
    for klass in cls.__mro__:
        if '__init__' not in vars(klass) or klass is object:
            continue
        params = inspect.signature(klass.__init__).parameters.values()
        names += [
            p.name
            for p in params
            if p.name != 'self' and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in names
        ]
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def _dicts_built_by(cfg: dict, class_name: str) -> List[Tuple[str, dict, type]]:
    """Config dicts whose ``type`` is ``class_name`` or a subclass of it (which hands it its kwargs)."""
    hits = []
    for path, d in walk_dicts(cfg):
        if isinstance(d.get('type'), str):
            for cls in _classes_named(d['type']):
                if any(klass.__name__ == class_name for klass in cls.__mro__):
                    hits.append((path, d, cls))
                    break
    return hits


def _key(path: str, name: str) -> str:
    return f'{path}.{name}' if path else name


def _unknown_type(keys: List[str], type_name: str, scope: str, registry_name: str) -> str:
    known: Set[str] = set()
    for registry in _registries():
        if registry.name == registry_name:
            known |= set(registry.module_dict)
    close = difflib.get_close_matches(type_name, sorted(known), n=3, cutoff=0.6)
    hint = f"Did you mean {' or '.join(repr(c) for c in close)}? " if close else ''
    return (
        f"{', '.join(keys) or '(a type)'}: unknown type {type_name!r} (not registered in {scope}'s "
        f"{registry_name} registry). {hint}If it is your own class, register it and import its module "
        f"through custom_imports."
    )


def check_registered(node: dict, key: str, registry: Registry) -> None:
    """Raise :class:`ConfigCheckError` when ``node['type']`` is a name ``registry`` does not know (for the
    few places where mmengine fails on it with an unrelated error, e.g. an unknown optimizer)."""
    type_name = node.get('type') if isinstance(node, dict) else None
    if isinstance(type_name, str) and registry.get(type_name) is None:
        raise ConfigCheckError(_unknown_type([_key(key, 'type')], type_name, registry.scope, registry.name))


def explain_build_error(cfg: dict, error: BaseException, within: Optional[str] = None) -> Optional[str]:
    """One message for an unknown type / wrong or missing argument name, or None for other errors.

    Args:
        within: the config key being built; keys below it are named first.
    """
    cfg = cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg  # an mmengine Config is not a dict
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    match = _UNKNOWN_TYPE.search(text)
    if match:
        type_name, scope, registry_name = match.groups()
        keys = _prefer_within([_key(path, 'type') for path, d in walk_dicts(cfg) if d.get('type') == type_name], within)
        return _unknown_type(keys, type_name, scope, registry_name)
    match = _BAD_ARGUMENT.search(text)
    if match:
        class_name, argument = match.groups()
        hits = [(p, d, c) for p, d, c in _dicts_built_by(cfg, class_name) if argument in d]
        if not hits and class_name == 'DataLoader':
            return _bad_dataloader_argument(cfg, argument, within)
        if not hits:
            return None
        path, d, cls = next((hit for hit in hits if hit[0] in _prefer_within([h[0] for h in hits], within)))
        valid = accepted_arguments(cls)
        close = difflib.get_close_matches(argument, valid, n=1, cutoff=0.6)
        hint = f'Did you mean {close[0]!r}? ' if close else ''
        return (
            f"{_key(path, argument)}: {d['type']} has no argument {argument!r}. {hint}"
            f"Its arguments: {', '.join(valid)}."
        )
    match = _MISSING_ARGUMENT.search(text)
    if match:
        class_name, missing = match.groups()
        hits = _dicts_built_by(cfg, class_name)
        if not hits:
            return None
        path, d, _ = hits[0]
        missing = missing.replace("'", '')
        return f"{path or '(config)'}: {d['type']} needs the argument(s) {missing}; add them to that dict."
    return None


def _bad_dataloader_argument(cfg: dict, argument: str, within: Optional[str]) -> Optional[str]:
    """A misspelt key of a ``*_dataloader`` dict (which has no ``type``: mmengine hands it to DataLoader)."""
    from torch.utils.data import DataLoader

    loaders = [within] if within else [k for k in cfg if k.endswith('_dataloader')]
    for loader in loaders:
        if isinstance(cfg.get(loader), dict) and argument in cfg[loader]:
            valid = accepted_arguments(DataLoader)
            close = difflib.get_close_matches(argument, valid, n=1, cutoff=0.6)
            hint = f'Did you mean {close[0]!r}? ' if close else ''
            return (
                f"{loader}.{argument}: a data loader has no setting {argument!r}. {hint}"
                f"Its settings: {', '.join(valid)}."
            )
    return None


def _prefer_within(keys: List[str], within: Optional[str]) -> List[str]:
    inside = [k for k in keys if within and k.startswith(within)]
    return inside or keys


@contextmanager
def explained_build_errors(cfg: dict, within: Optional[str] = None) -> Iterator[None]:
    """Re-raise a recognised build error of the block as :class:`ConfigCheckError`.

    Args:
        within: the config key the block builds (e.g. ``'train_dataloader'``), if known.
    """
    try:
        yield
    except (KeyError, TypeError) as error:
        message = explain_build_error(cfg, error, within)
        if message is None:
            raise
        raise ConfigCheckError(message) from error


def dataset_problem(loader: str, error: BaseException) -> ConfigCheckError:
    """A dataset that could not be built (missing annotation file, bad split, ...) as a config error."""
    return ConfigCheckError(
        f'{loader}.dataset cannot be built: {error}. Fix the path in the config or override '
        f'it with --cfg-options {loader}.dataset.<key>=...'
    )
