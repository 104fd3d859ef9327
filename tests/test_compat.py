# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""mmext.compat: the mmcv.ops stand-in, with and without compiled ops (each case in a fresh interpreter)."""

import subprocess
import sys
import textwrap

import pytest
import torch

from mmext import compat


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


@pytest.mark.skipif(compat.has_compiled_mmcv_ops(), reason='this mmcv has compiled ops')
def test_without_compiled_ops_openmmlab_model_packages_import():
    out = run_python("""
        import mmext, mmcv.ops
        from mmext.compat import is_fallback_installed
        import mmseg.models, mmpose.models, mmdet.models
        from mmcv.ops import point_sample, sigmoid_focal_loss, nms
        from mmcv.ops.nms import batched_nms  # submodules resolve too
        import inspect; inspect.getmembers(mmcv.ops)  # dunder probing must not break
        print(is_fallback_installed(), point_sample is mmext.compat.point_sample)
    """)
    assert out.split() == ['True', 'True']


@pytest.mark.skipif(compat.has_compiled_mmcv_ops(), reason='this mmcv has compiled ops')
def test_placeholder_raises_at_use_naming_op_and_remedy():
    import mmcv.ops

    with pytest.raises(compat.MissingCompiledOpError, match=r'mmcv\.ops\.nms_rotated .*MMCV_WITH_OPS=1'):
        mmcv.ops.nms_rotated(torch.zeros(1, 5), torch.zeros(1), 0.5)
    from mmcv.ops import DeformConv2d

    class Subclass(DeformConv2d):  # subclassing at import time must work, instantiating must not
        pass

    with pytest.raises(compat.MissingCompiledOpError, match='DeformConv2d'):
        Subclass(3, 3, 3)


def test_with_compiled_ops_nothing_is_changed():
    # A fake compiled extension makes mmcv's real ops package importable.
    out = run_python("""
        import importlib.machinery, sys, types
        ext = types.ModuleType('mmcv._ext')
        ext.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', None)
        def ext_getattr(name):
            if name.startswith('__'):
                raise AttributeError(name)
            return lambda *args, **kwargs: None
        ext.__getattr__ = ext_getattr
        sys.modules['mmcv._ext'] = ext
        import mmext, mmcv.ops
        from mmext.compat import is_fallback_installed, install_mmcv_ops_fallback, _finder
        print(install_mmcv_ops_fallback(), is_fallback_installed(), _finder in sys.meta_path,
              mmcv.ops.__file__.endswith('mmcv/ops/__init__.py'), mmcv.ops.point_sample.__module__)
    """)
    assert out.split() == ['False', 'False', 'False', 'True', 'mmcv.ops.point_sample']


def test_point_sample_matches_grid_sample_and_pixel_values():
    features = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    # Centre of pixel (row 1, col 2) in normalised [0, 1] coordinates with align_corners=False.
    points = torch.tensor([[[2.5 / 5, 1.5 / 4]], [[0.5 / 5, 3.5 / 4]]])
    sampled = compat.point_sample(features, points)
    assert sampled.shape == (2, 3, 1)
    assert torch.allclose(sampled[0, :, 0], features[0, :, 1, 2])
    assert torch.allclose(sampled[1, :, 0], features[1, :, 3, 0])
    grid = torch.rand(2, 6, 7, 2)
    expected = torch.nn.functional.grid_sample(features, grid * 2 - 1, align_corners=True)
    assert torch.allclose(compat.point_sample(features, grid, align_corners=True), expected)


def test_sigmoid_focal_loss_matches_reference_formula():
    from mmseg.models.losses.focal_loss import py_sigmoid_focal_loss

    torch.manual_seed(0)
    logits = torch.randn(7, 5, requires_grad=True)
    target = torch.tensor([0, 4, 2, 5, 1, 3, 5])  # 5 == num_classes: no positive class
    loss = compat.sigmoid_focal_loss(logits, target, 2.0, 0.25, None, 'none')
    one_hot = torch.nn.functional.one_hot(target, 6)[:, :5].float()
    reference = py_sigmoid_focal_loss(logits, one_hot, gamma=2.0, alpha=0.25, reduction='none')
    assert torch.allclose(loss, reference, atol=1e-6)
    mean = compat.sigmoid_focal_loss(logits, target, reduction='mean')
    assert torch.allclose(mean, reference.sum() / 7)  # mmcv divides by N, not N * C
    mean.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
    weight = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    in_range = target.clamp(max=4)
    weighted = compat.sigmoid_focal_loss(logits, in_range, weight=weight, reduction='none')
    plain = compat.sigmoid_focal_loss(logits, in_range, reduction='none')
    assert torch.allclose(weighted, plain * weight[in_range][:, None])
    with pytest.raises(ValueError, match='reduction'):
        compat.sigmoid_focal_loss(logits, target, reduction='avg')
