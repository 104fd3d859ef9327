# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Run mmsegmentation, mmpose and mmdet on an mmcv built without compiled ops.

``mmcv.ops`` imports mmcv's compiled extension (``mmcv._ext``) as soon as it is imported, and
mmsegmentation, mmpose and mmdet import ``mmcv.ops`` while their model packages are imported. An mmcv
built with ``MMCV_WITH_OPS=0`` (the default of ``tools/install.sh``, because compiling the ops takes about
an hour on two CPU cores) therefore breaks ``import mmseg.models``.

:func:`install_mmcv_ops_fallback` puts a stand-in for ``mmcv.ops`` (and every ``mmcv.ops.<submodule>``) in
place when, and only when, the compiled extension is absent:

* real implementations (pure PyTorch, or torchvision's ops) with mmcv 2.1's signatures and semantics, for
  what mmsegmentation and mmdet's Mask R-CNN / Faster R-CNN / RPN paths call (see ``_REAL_OPS``):

  - ``point_sample`` and ``sigmoid_focal_loss`` (mmsegmentation: point head, focal loss);
  - ``RoIAlign`` and ``roi_align`` (RoI feature extraction; ``BitmapMasks.crop_and_resize`` for mask
    targets): ``pool_mode='avg'`` runs ``torchvision.ops.roi_align``, ``pool_mode='max'`` a pure-PyTorch
    sampler;
  - ``nms`` and ``batched_nms`` (RPN proposals, per-class NMS of detections): ``torchvision.ops.nms``;

* every other op is a placeholder that imports fine and raises :class:`MissingCompiledOpError`, naming
  the op and how to get it, when it is called or instantiated.

When mmcv has its compiled ops, the function does nothing.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules.utils import _pair

__all__ = [
    'MissingCompiledOpError',
    'RoIAlign',
    'batched_nms',
    'has_compiled_mmcv_ops',
    'install_mmcv_ops_fallback',
    'is_fallback_installed',
    'nms',
    'point_sample',
    'roi_align',
    'sigmoid_focal_loss',
]

HOW_TO_GET_OPS = (
    'Rebuild mmcv with its compiled ops: `MMCV_WITH_OPS=1 bash tools/install.sh` (about an hour on 2 '
    'CPU cores; builds CUDA kernels when a CUDA toolkit is present), or install a prebuilt mmcv 2.1.0 '
    'that matches your torch/CUDA (see https://mmcv.readthedocs.io/en/latest/get_started/installation.html).'
)


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


def sigmoid_focal_loss(
    input: Tensor,
    target: Tensor,
    gamma: float = 2.0,
    alpha: float = 0.25,
    weight: Optional[Tensor] = None,
    reduction: str = 'mean',
) -> Tensor:
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


# ----------------------------------------------------------------------------------------------------------
# RoIAlign
# ----------------------------------------------------------------------------------------------------------
# mmcv's RoIAlign (the Detectron2 definition): a box (x1, y1, x2, y2) in image coordinates is mapped to the
# feature map by ``* spatial_scale`` and, with ``aligned=True``, shifted by -0.5 so that a pixel's centre
# sits at integer + 0.5; with ``aligned=False`` there is no shift and boxes narrower or lower than one
# feature pixel are widened to one. The box is cut into output_size bins; each bin is sampled on a regular
# grid of ``sampling_ratio`` x ``sampling_ratio`` points (``0``: ceil(box size / output size) points per
# axis, per box) at the centres of the grid cells, each point bilinearly interpolated (a point more than one
# pixel outside the map reads 0, a point within one pixel outside reads the border), and the bin is the
# mean ('avg') or the maximum ('max') of its points. A bin without sampling points (a box of size 0 with
# ``aligned=True`` and ``sampling_ratio=0``) is 0. Gradients flow to the features, never to the boxes.
# torchvision.ops.roi_align implements exactly this definition for 'avg'.

_ROI_ALIGN_CHUNK = 1 << 24  # sampled values (points x channels) per chunk of the 'max' sampler


def _axis_interpolation(coords: Tensor, size: int) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """Bilinear interpolation along one axis of length ``size`` at ``coords`` (any shape).

    Returns (low index, high index, weight of low, weight of high); the weights are 0 where a point lies
    more than one pixel outside [0, size - 1] (such points read 0).
    """
    inside = (coords >= -1.0) & (coords <= size)
    coords = coords.clamp(min=0)
    low = coords.floor().long()
    at_end = low >= size - 1
    low = low.clamp(max=size - 1)
    high = torch.where(at_end, low, low + 1)
    frac = torch.where(at_end, torch.zeros_like(coords), coords - low.to(coords.dtype))
    inside = inside.to(coords.dtype)
    return low, high, (1 - frac) * inside, frac * inside


def _roi_align_sampled(
    input: Tensor,
    rois: Tensor,
    output_size: Tuple[int, int],
    spatial_scale: float,
    sampling_ratio: int,
    aligned: bool,
    reduce: str,
) -> Tensor:
    """RoIAlign by explicit bilinear sampling in PyTorch; ``reduce`` 'avg' or 'max' over each bin's points.

    Boxes are grouped by their number of sampling points so that every group is one batched gather. For 'max',
    a bin whose maximum is reached by several points shares the gradient among them (mmcv gives it to one).
    """
    out_h, out_w = output_size
    num_rois, channels = rois.size(0), input.size(1)
    height, width = input.shape[-2:]
    output = input.new_zeros(num_rois, channels, out_h, out_w)
    if num_rois == 0:
        return output
    rois = rois.detach().to(input.dtype)
    shift = 0.5 if aligned else 0.0
    batch_index = rois[:, 0].long()
    x1 = rois[:, 1] * spatial_scale - shift
    y1 = rois[:, 2] * spatial_scale - shift
    roi_w = rois[:, 3] * spatial_scale - shift - x1
    roi_h = rois[:, 4] * spatial_scale - shift - y1
    if not aligned:
        roi_w, roi_h = roi_w.clamp(min=1.0), roi_h.clamp(min=1.0)
    bin_w, bin_h = roi_w / out_w, roi_h / out_h
    if sampling_ratio > 0:
        grid_h = grid_w = torch.full_like(batch_index, sampling_ratio)
    else:
        grid_h, grid_w = torch.ceil(roi_h / out_h).long(), torch.ceil(roi_w / out_w).long()
    for gh, gw in torch.unique(torch.stack([grid_h, grid_w], 1), dim=0).tolist():
        if gh <= 0 or gw <= 0:
            continue  # no sampling points: the bins stay 0
        group = torch.nonzero((grid_h == gh) & (grid_w == gw)).squeeze(1)
        # Position of every sampling point in units of bins: bin index + (point index + 0.5) / points per bin.
        steps_y = (
            torch.arange(out_h, device=input.device, dtype=input.dtype)[:, None]
            + (torch.arange(gh, device=input.device, dtype=input.dtype)[None, :] + 0.5) / gh
        ).reshape(-1)
        steps_x = (
            torch.arange(out_w, device=input.device, dtype=input.dtype)[:, None]
            + (torch.arange(gw, device=input.device, dtype=input.dtype)[None, :] + 0.5) / gw
        ).reshape(-1)
        per_roi = steps_y.numel() * steps_x.numel() * channels
        for chunk in group.split(max(1, _ROI_ALIGN_CHUNK // per_roi)):
            ys = y1[chunk, None] + steps_y[None, :] * bin_h[chunk, None]  # (k, out_h * gh)
            xs = x1[chunk, None] + steps_x[None, :] * bin_w[chunk, None]  # (k, out_w * gw)
            y_low, y_high, wy_low, wy_high = _axis_interpolation(ys, height)
            x_low, x_high, wx_low, wx_high = _axis_interpolation(xs, width)
            n = batch_index[chunk][:, None, None]
            values = 0
            for yi, wy in ((y_low, wy_low), (y_high, wy_high)):
                for xi, wx in ((x_low, wx_low), (x_high, wx_high)):
                    # (k, Sy, Sx, C): advanced indices around a slice put their broadcast shape first.
                    corner = input[n, :, yi[:, :, None], xi[:, None, :]]
                    values = values + corner * (wy[:, :, None] * wx[:, None, :])[..., None]
            values = values.permute(0, 3, 1, 2).reshape(-1, channels, out_h, gh, out_w, gw)
            if reduce == 'avg':
                output[chunk] = values.mean(dim=(3, 5))
            else:
                output[chunk] = values.amax(dim=(3, 5))
    return output


def roi_align(
    input: Tensor,
    rois: Tensor,
    output_size: Union[int, Tuple[int, int]],
    spatial_scale: float = 1.0,
    sampling_ratio: int = 0,
    pool_mode: str = 'avg',
    aligned: bool = True,
) -> Tensor:
    """RoIAlign with mmcv.ops.roi_align's signature and semantics (see the comment above).

    Args:
        input: features (N, C, H, W).
        rois: boxes (K, 5), each ``[batch index, x1, y1, x2, y2]`` in the coordinates of the image.
        output_size: bins per box, ``int`` or ``(height, width)``.
        spatial_scale: feature size / image size (1 / stride).
        sampling_ratio: sampling points per bin and axis; ``0`` picks ceil(box size / output size) per box.
        pool_mode: 'avg' (``torchvision.ops.roi_align``) or 'max' (maximum of the points, pure PyTorch).
        aligned: shift boxes by -0.5 feature pixel (pixel-centre model); ``False`` is the legacy version.

    Returns:
        (K, C, output height, output width).
    """
    if pool_mode not in ('avg', 'max'):
        raise ValueError(f"pool_mode must be 'avg' or 'max', got {pool_mode!r}")
    if input.dim() != 4:
        raise ValueError(f'input must be (N, C, H, W), got shape {tuple(input.shape)}')
    if rois.dim() != 2 or rois.size(1) != 5:
        raise ValueError(f'rois must be (K, 5) [batch index, x1, y1, x2, y2], got shape {tuple(rois.shape)}')
    output_size = _pair(output_size)
    if pool_mode == 'avg':
        from torchvision.ops import roi_align as tv_roi_align

        return tv_roi_align(
            input, rois.to(input.dtype), output_size, float(spatial_scale), int(sampling_ratio), aligned=bool(aligned)
        )
    return _roi_align_sampled(input, rois, output_size, float(spatial_scale), int(sampling_ratio), bool(aligned), 'max')


class RoIAlign(nn.Module):
    """The module of :func:`roi_align`, with mmcv.ops.RoIAlign's arguments and attributes.

    Args:
        output_size: bins per box, ``int`` or ``(height, width)`` (stored as a tuple).
        spatial_scale: feature size / image size.
        sampling_ratio: sampling points per bin and axis (``0``: adaptive).
        pool_mode: 'avg' or 'max'.
        aligned: pixel-centre model (-0.5 shift), as in mmcv and Detectron2.
        use_torchvision: call ``torchvision.ops.roi_align`` directly, as mmcv does (``pool_mode`` is then
            ignored: always 'avg').

    ``forward(input, rois)``: features (N, C, H, W) and boxes (K, 5) ``[batch index, x1, y1, x2, y2]`` ->
    (K, C, *output_size).
    """

    def __init__(
        self,
        output_size: Union[int, Tuple[int, int]],
        spatial_scale: float = 1.0,
        sampling_ratio: int = 0,
        pool_mode: str = 'avg',
        aligned: bool = True,
        use_torchvision: bool = False,
    ):
        super().__init__()
        if pool_mode not in ('avg', 'max'):
            raise ValueError(f"pool_mode must be 'avg' or 'max', got {pool_mode!r}")
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.pool_mode = pool_mode
        self.aligned = aligned
        self.use_torchvision = use_torchvision

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        pool_mode = 'avg' if self.use_torchvision else self.pool_mode
        return roi_align(
            input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, pool_mode, self.aligned
        )

    def extra_repr(self) -> str:
        return (
            f'output_size={self.output_size}, spatial_scale={self.spatial_scale}, '
            f'sampling_ratio={self.sampling_ratio}, pool_mode={self.pool_mode}, aligned={self.aligned}, '
            f'use_torchvision={self.use_torchvision}'
        )


# ----------------------------------------------------------------------------------------------------------
# NMS
# ----------------------------------------------------------------------------------------------------------
ArrayOrTensor = Union[np.ndarray, Tensor]


def nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    iou_threshold: float,
    offset: int = 0,
    score_threshold: float = 0,
    max_num: int = -1,
) -> Tuple[ArrayOrTensor, ArrayOrTensor]:
    """Greedy non-maximum suppression with mmcv.ops.nms's signature and semantics.

    Boxes are visited by decreasing score; a box is dropped when its IoU with an already kept box is greater
    than ``iou_threshold`` (strictly). With ``offset=1`` widths and heights are ``x2 - x1 + 1`` and
    ``y2 - y1 + 1`` (the legacy pixel convention): this equals plain IoU of boxes with x2 and y2 one larger,
    which is what is handed to ``torchvision.ops.nms``.

    Args:
        boxes: (N, 4) ``[x1, y1, x2, y2]``, a tensor or a numpy array.
        scores: (N,), of the same kind as ``boxes``.
        iou_threshold: IoU above which the lower-scored box is suppressed.
        offset: 0 or 1, see above.
        score_threshold: when > 0, boxes scoring ``<= score_threshold`` are dropped first.
        max_num: when > 0, at most this many boxes are kept (the highest scored).

    Returns:
        (dets, keep): dets (K, 5) ``[x1, y1, x2, y2, score]`` of the kept boxes by decreasing score, and
        their indices into ``boxes`` (int64); numpy arrays when ``boxes`` was one.
    """
    is_numpy = isinstance(boxes, np.ndarray)
    if not (is_numpy or isinstance(boxes, Tensor)):
        raise TypeError(f'boxes must be a Tensor or a numpy array, got {type(boxes).__name__}')
    if is_numpy:
        boxes, scores = torch.from_numpy(boxes), torch.from_numpy(np.asarray(scores))
    if boxes.dim() != 2 or boxes.size(1) != 4:
        raise ValueError(f'boxes must be (N, 4), got shape {tuple(boxes.shape)}')
    if scores.dim() != 1 or scores.size(0) != boxes.size(0):
        raise ValueError(f'scores must be ({boxes.size(0)},), got shape {tuple(scores.shape)}')
    if offset not in (0, 1):
        raise ValueError(f'offset must be 0 or 1, got {offset}')
    valid = None
    if score_threshold > 0:
        valid = torch.nonzero(scores > score_threshold).squeeze(1)
        boxes, scores = boxes[valid], scores[valid]
    keep = _nms_keep(boxes, scores, float(iou_threshold), offset)
    if max_num > 0:
        keep = keep[:max_num]
    dets = torch.cat([boxes[keep], scores[keep].reshape(-1, 1).to(boxes.dtype)], dim=1)
    if valid is not None:
        keep = valid[keep]
    if is_numpy:
        return dets.cpu().numpy(), keep.cpu().numpy()
    return dets, keep


def _nms_keep(boxes: Tensor, scores: Tensor, iou_threshold: float, offset: int) -> Tensor:
    """Indices kept by ``torchvision.ops.nms`` (by decreasing score); computed in float32 for half inputs."""
    from torchvision.ops import nms as tv_nms

    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    if boxes.dtype not in (torch.float32, torch.float64):
        boxes, scores = boxes.float(), scores.float()
    if offset:
        boxes = boxes + boxes.new_tensor([0.0, 0.0, 1.0, 1.0])
    return tv_nms(boxes, scores.to(boxes.dtype), iou_threshold)


def batched_nms(
    boxes: Tensor, scores: Tensor, idxs: Tensor, nms_cfg: Optional[Dict[str, Any]], class_agnostic: bool = False
) -> Tuple[Tensor, Tensor]:
    """NMS within each category (``idxs``), with mmcv.ops.batched_nms's signature and semantics.

    Boxes of different categories never suppress each other (unless class-agnostic). For fewer boxes than
    ``split_thr`` all categories go through one NMS call, each shifted by ``category * (coordinate span + 1)``
    so that boxes of different categories cannot overlap; for more, NMS runs category by category (as mmcv
    does; both give the same result). ``nms_cfg=None`` only sorts by score.

    Args:
        boxes: (N, 4) ``[x1, y1, x2, y2]``.
        scores: (N,).
        idxs: (N,) category of each box.
        nms_cfg: ``iou_threshold`` (required), ``type`` ('nms', the only kind without compiled ops),
            ``class_agnostic`` (overrides the argument), ``split_thr`` (default 10000), and :func:`nms`'s
            ``offset``, ``score_threshold`` and ``max_num`` (at most that many boxes over all categories).
        class_agnostic: one NMS over all boxes regardless of category.

    Returns:
        (dets, keep): dets (K, 5) ``[x1, y1, x2, y2, score]`` by decreasing score, in the original
        coordinates, and the kept indices into ``boxes``.
    """
    if nms_cfg is None:
        scores, order = scores.sort(descending=True)
        return torch.cat([boxes[order], scores[:, None].to(boxes.dtype)], -1), order
    cfg = dict(nms_cfg)
    class_agnostic = cfg.pop('class_agnostic', class_agnostic)
    nms_type = cfg.pop('type', 'nms')
    if nms_type != 'nms':
        raise MissingCompiledOpError(
            f'batched_nms with type={nms_type!r} needs mmcv.ops.{nms_type}, which is not available without '
            f'mmcv\'s compiled ops (only type=\'nms\' is). {HOW_TO_GET_OPS}'
        )
    split_thr = cfg.pop('split_thr', 10000)
    if boxes.size(-1) != 4:
        raise ValueError(f'boxes must be (N, 4) [x1, y1, x2, y2], got shape {tuple(boxes.shape)}')
    if boxes.numel() == 0:
        return boxes.new_zeros(0, 5), torch.zeros(0, dtype=torch.long, device=boxes.device)
    if class_agnostic or boxes.size(0) < split_thr:
        boxes_for_nms = boxes
        if not class_agnostic:
            span = boxes.max() - boxes.min() + 1
            boxes_for_nms = boxes + (idxs.to(boxes.dtype) * span)[:, None]
        dets, keep = nms(boxes_for_nms, scores, **cfg)
        return torch.cat([boxes[keep], dets[:, -1:]], -1), keep
    max_num = cfg.pop('max_num', -1)
    kept = []
    for category in torch.unique(idxs):
        members = torch.nonzero(idxs == category).squeeze(1)
        _, keep = nms(boxes[members], scores[members], **cfg)
        kept.append(members[keep])
    keep = torch.cat(kept)
    order = scores[keep].sort(descending=True)[1]
    keep = keep[order]
    if max_num > 0:
        keep = keep[:max_num]
    return torch.cat([boxes[keep], scores[keep][:, None].to(boxes.dtype)], -1), keep


class _MissingOp:
    """Base of placeholders: importable and subclassable; constructing or calling one raises."""

    op_name = 'op'

    def __init__(self, *args, **kwargs):
        raise MissingCompiledOpError(
            f'mmcv.ops.{self.op_name} needs mmcv\'s compiled ops, but this mmcv was built without them '
            f'(MMCV_WITH_OPS=0). {HOW_TO_GET_OPS}'
        )


_REAL_OPS = {
    'point_sample': point_sample,
    'sigmoid_focal_loss': sigmoid_focal_loss,
    'RoIAlign': RoIAlign,
    'roi_align': roi_align,
    'nms': nms,
    'batched_nms': batched_nms,
}
_placeholders: Dict[str, type] = {}


def _placeholder(name: str) -> type:
    if name not in _placeholders:
        _placeholders[name] = type(name, (_MissingOp,), {'op_name': name, '__module__': 'mmcv.ops'})
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
