"""Run mmsegmentation, mmpose and mmdet on an mmcv built without compiled ops.

``mmcv.ops`` imports mmcv's compiled extension (``mmcv._ext``) as soon as it is imported, and
mmsegmentation, mmpose and mmdet import ``mmcv.ops`` while their model packages are imported. An mmcv
built with ``MMCV_WITH_OPS=0`` (the default of ``tools/install.sh``, because compiling the ops takes about
an hour on two CPU cores) therefore breaks ``import mmseg.models``.

:func:`install_mmcv_ops_fallback` puts a stand-in for ``mmcv.ops`` (and every ``mmcv.ops.<submodule>``) in
place when, and only when, the compiled extension is absent:

* ``point_sample`` and ``sigmoid_focal_loss`` are real pure-PyTorch implementations with mmcv's
  signatures and semantics (mmsegmentation calls them);
* every other op is a placeholder that imports fine and raises :class:`MissingCompiledOpError`, naming
  the op and how to get it, when it is called or instantiated.

When mmcv has its compiled ops, the function does nothing.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'MissingCompiledOpError', 'has_compiled_mmcv_ops', 'install_mmcv_ops_fallback',
    'is_fallback_installed', 'point_sample', 'sigmoid_focal_loss'
]

HOW_TO_GET_OPS = (
    'Rebuild mmcv with its compiled ops: `MMCV_WITH_OPS=1 bash tools/install.sh` (about an hour on 2 '
    'CPU cores; builds CUDA kernels when a CUDA toolkit is present), or install a prebuilt mmcv 2.1.0 '
    'that matches your torch/CUDA (see https://mmcv.readthedocs.io/en/latest/get_started/installation.html).')


class MissingCompiledOpError(RuntimeError):
    """Raised when a compiled mmcv op is used on an mmcv built without compiled ops."""


def has_compiled_mmcv_ops() -> bool:
    """Whether mmcv's compiled extension ``mmcv._ext`` is available."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except (ImportError, ValueError):
        return False


def point_sample(input: Tensor, points: Tensor, align_corners: bool = False, **kwargs) -> Tensor:
    """Sample ``input`` at normalised ``points`` (mmcv.ops.point_sample semantics).

    Args:
        input: features (N, C, H, W).
        points: coordinates in [0, 1] x [0, 1], shape (N, P, 2) or (N, Hgrid, Wgrid, 2), (x, y) order.
        align_corners: as in :func:`torch.nn.functional.grid_sample`.
        **kwargs: forwarded to :func:`torch.nn.functional.grid_sample`.

    Returns:
        (N, C, P) for 3-d ``points``, else (N, C, Hgrid, Wgrid).
    """
    squeeze = points.dim() == 3
    if squeeze:
        points = points.unsqueeze(2)
    output = F.grid_sample(input, 2.0 * points - 1.0, align_corners=align_corners, **kwargs)
    return output.squeeze(3) if squeeze else output


def sigmoid_focal_loss(input: Tensor,
                       target: Tensor,
                       gamma: float = 2.0,
                       alpha: float = 0.25,
                       weight: Optional[Tensor] = None,
                       reduction: str = 'mean') -> Tensor:
    """Sigmoid focal loss with mmcv.ops.sigmoid_focal_loss semantics, in pure PyTorch.

    Args:
        input: logits (N, C).
        target: class indices (N,), int64; the value C means "no positive class".
        gamma: focusing parameter.
        alpha: weight of the positive term (the negative term gets ``1 - alpha``).
        weight: optional per-class weight (C,), applied by each sample's target class.
        reduction: 'none' (N, C), 'mean' (sum divided by N, as mmcv does) or 'sum'.
    """
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(f'reduction must be none, mean or sum, got {reduction!r}')
    if target.dtype != torch.long:
        raise TypeError(f'target must hold int64 class indices, got {target.dtype}')
    num_classes = input.size(1)
    positive = F.one_hot(target, num_classes + 1)[:, :num_classes].to(input.dtype)
    prob = input.sigmoid()
    prob_wrong = prob * (1 - positive) + (1 - prob) * positive
    focal_weight = (alpha * positive + (1 - alpha) * (1 - positive)) * prob_wrong.pow(gamma)
    loss = F.binary_cross_entropy_with_logits(input, positive, reduction='none') * focal_weight
    if weight is not None:
        if weight.dim() != 1 or weight.numel() != num_classes:
            raise ValueError(f'weight must have shape ({num_classes},), got {tuple(weight.shape)}')
        if bool((target >= num_classes).any()):
            raise ValueError('a per-class weight needs every target to be a class index < C')
        loss = loss * weight[target].unsqueeze(1)
    if reduction == 'mean':
        return loss.sum() / input.size(0)
    if reduction == 'sum':
        return loss.sum()
    return loss


class _MissingOp:
    """Base of placeholders: importable and subclassable; constructing or calling one raises."""
    op_name = 'op'

    def __init__(self, *args, **kwargs):
        raise MissingCompiledOpError(
            f'mmcv.ops.{self.op_name} needs mmcv\'s compiled ops, but this mmcv was built without them '
            f'(MMCV_WITH_OPS=0). {HOW_TO_GET_OPS}')


_REAL_OPS = {'point_sample': point_sample, 'sigmoid_focal_loss': sigmoid_focal_loss}
_placeholders: Dict[str, type] = {}


def _placeholder(name: str) -> type:
    if name not in _placeholders:
        _placeholders[name] = type(name, (_MissingOp, ), {'op_name': name, '__module__': 'mmcv.ops'})
    return _placeholders[name]


class _StandInOpsModule(types.ModuleType):
    """``mmcv.ops`` or one of its submodules: real fallbacks by name, placeholders for the rest."""

    def __getattr__(self, name: str):
        # inspect, pickle and friends probe dunder attributes; they must see them missing.
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        return _REAL_OPS.get(name) or _placeholder(name)

    def __setattr__(self, name: str, value) -> None:
        # The import system binds each imported submodule (e.g. ``mmcv.ops.nms``) on its parent, which
        # would hide the op of the same name; real mmcv rebinds the op in ``__init__``. Keep the op.
        if isinstance(value, _StandInOpsModule):
            return
        super().__setattr__(name, value)


class _StandInOpsFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``import mmcv.ops.<anything>`` to stand-in modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith('mmcv.ops.'):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return _new_stand_in(spec.name)

    def exec_module(self, module):
        pass


def _new_stand_in(name: str) -> _StandInOpsModule:
    module = _StandInOpsModule(name, f'Stand-in for {name}: mmcv has no compiled ops (see mmext.compat).')
    module.__path__ = []  # a package, so that submodule imports reach the finder
    module.__file__ = None
    module.__dict__.update(_REAL_OPS)
    return module


_finder = _StandInOpsFinder()


def is_fallback_installed() -> bool:
    """Whether :func:`install_mmcv_ops_fallback` has put the stand-in in place."""
    return isinstance(sys.modules.get('mmcv.ops'), _StandInOpsModule)


def install_mmcv_ops_fallback() -> bool:
    """Install the ``mmcv.ops`` stand-in if mmcv has no compiled ops.

    Returns:
        True if the stand-in is in place after the call, False when mmcv has its compiled ops (nothing
        is changed then).
    """
    if is_fallback_installed():
        return True
    if has_compiled_mmcv_ops():
        return False
    import mmcv
    # An earlier failed `import mmcv.ops` can leave half-initialised modules behind.
    for name in [n for n in sys.modules if n == 'mmcv.ops' or n.startswith('mmcv.ops.')]:
        del sys.modules[name]
    stand_in = _new_stand_in('mmcv.ops')
    sys.modules['mmcv.ops'] = stand_in
    mmcv.ops = stand_in
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    return True
