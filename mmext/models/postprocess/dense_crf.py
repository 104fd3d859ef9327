# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Dense CRF (Krähenbühl & Koltun, NeurIPS 2011) as a learning-free mean-field layer in PyTorch.

Energy of a labelling ``x`` of the pixels::

    E(x) = sum_i U_i(x_i) + sum_{i<j} mu(x_i, x_j) [w1 k1(f_i, f_j) + w2 k2(f_i, f_j)]

    U_i(l)  = -log softmax(logits)_i(l)                                          unary
    mu      = Potts: 1 where the labels differ, 0 where they agree
    k1      = exp(-|p_i - p_j|^2 / (2 theta_alpha^2) - |I_i - I_j|^2 / (2 theta_beta^2))   appearance
    k2      = exp(-|p_i - p_j|^2 / (2 theta_gamma^2))                                     smoothness

(``p``: pixel position in pixels of the input, ``I``: RGB colour in 0..255). Mean-field inference replaces
the distribution by a factorised ``Q`` and iterates::

    Q_i(l) <- softmax_l( -U_i(l) + sum_m w_m sum_{j != i} k_m(f_i, f_j) Q_j(l) )

which is the paper's update with the Potts compatibility (the term that does not depend on ``l`` cancels in the
softmax).

Windowed approximation. The paper's CRF is fully connected and filters with a permutohedral lattice; here the
sum over ``j`` runs over a ``window x window`` neighbourhood of ``i`` and the kernel values are computed exactly
there (one shifted copy per window offset, so memory grows with ``window**2`` but not with the number of
classes). Pixels farther than ``window // 2`` (at the working resolution) do not interact. With ``scale < 1``
the CRF runs on a downsampled grid (image: area averaging, logits: bilinear), which widens the reach to
``(window // 2) / scale`` input pixels and cuts the cost by ``1 / scale**2``; the last pairwise message is then
upsampled (bilinear) and added to the full-resolution unary, so the output keeps the unary's full-resolution
detail. Kernel sums are normalised (see ``normalize``), as common dense CRF implementations do, so the weights
``w1``, ``w2`` do not depend on the window or on the resolution.

Defaults: ``w1=4``, ``w2=3``, ``theta_gamma=3`` are DeepLab's (Chen et al., 2015/2018) values; DeepLab's
``theta_alpha`` (tens to ~120 pixels) exceeds any practical window, so ``theta_alpha=80`` here makes the
positional part of the appearance kernel nearly flat inside the window (reach 10 pixels at ``scale=0.5``) and the
colour term decides; ``theta_beta=13`` (RGB units) is the colour bandwidth of pydensecrf's reference example,
looser than DeepLab's 3-5 tuned on PASCAL VOC, because the windowed CRF sees fewer neighbours.
"""

from typing import List, Tuple

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


def check_inputs(logits: Tensor, images: Tensor) -> None:
    """Shared argument check of the post-processing steps."""
    if logits.dim() != 4:
        raise ValueError(f'logits must be (N, C, H, W), got shape {tuple(logits.shape)}')
    if logits.size(1) < 2:
        raise ValueError(f'post-processing needs softmax scores of at least 2 classes (C >= 2), got C={logits.size(1)}')
    if images is not None:
        if images.dim() != 4 or images.size(1) != 3:
            raise ValueError(f'images must be (N, 3, H, W) RGB, got shape {tuple(images.shape)}')
        if images.shape[0] != logits.shape[0] or images.shape[2:] != logits.shape[2:]:
            raise ValueError(f'images {tuple(images.shape)} and logits {tuple(logits.shape)} differ in N, H or W')


@MODELS.register_module()
class DenseCRF:
    """Mean-field dense CRF with Potts compatibility, appearance and smoothness kernels (windowed).

    Args:
        num_iters: mean-field iterations; 0 returns ``log_softmax(logits)`` (the unary's argmax).
        w1, theta_alpha, theta_beta: weight, positional (pixels) and colour (RGB 0..255) bandwidths of the
            appearance (bilateral) kernel.
        w2, theta_gamma: weight and positional bandwidth (pixels) of the smoothness kernel.
        window: odd side of the square neighbourhood (at the working resolution) the messages come from.
        scale: working resolution as a fraction of the input (1.0: full resolution). Bandwidths are given in
            input pixels and converted.
        normalize: divide each kernel's messages by ``1 + sum_{j != i} k(f_i, f_j)`` (the kernel's total weight
            including the pixel itself), so a message is a weighted average of the neighbours' ``Q`` shrunk
            where the pixel has few similar neighbours. False: raw sums as in the paper's formula.

    Call: ``crf(logits (N, C, H, W), images (N, 3, H, W) RGB 0..255)`` -> ``log Q`` (N, C, H, W), the
    log-probabilities after the last iteration (float32, on the logits' device). Batched; CPU or CUDA.
    Memory: about ``2 * window**2 * N * h * w`` floats for the kernel weights at the working size ``h x w``.
    """

    def __init__(
        self,
        num_iters: int = 5,
        w1: float = 4.0,
        theta_alpha: float = 80.0,
        theta_beta: float = 13.0,
        w2: float = 3.0,
        theta_gamma: float = 3.0,
        window: int = 11,
        scale: float = 0.5,
        normalize: bool = True,
    ):
        if num_iters < 0:
            raise ValueError(f'num_iters must be >= 0, got {num_iters}')
        if window < 3 or window % 2 == 0:
            raise ValueError(f'window must be an odd number >= 3, got {window}')
        if not 0 < scale <= 1:
            raise ValueError(f'scale must be in (0, 1], got {scale}')
        if min(theta_alpha, theta_beta, theta_gamma) <= 0:
            raise ValueError('theta_alpha, theta_beta and theta_gamma must be positive')
        self.num_iters = int(num_iters)
        self.w1, self.w2 = float(w1), float(w2)
        self.theta_alpha, self.theta_beta, self.theta_gamma = float(theta_alpha), float(theta_beta), float(theta_gamma)
        self.window = int(window)
        self.scale = float(scale)
        self.normalize = bool(normalize)

    def __repr__(self) -> str:
        return (
            f'DenseCRF(num_iters={self.num_iters}, w1={self.w1}, theta_alpha={self.theta_alpha}, '
            f'theta_beta={self.theta_beta}, w2={self.w2}, theta_gamma={self.theta_gamma}, '
            f'window={self.window}, scale={self.scale}, normalize={self.normalize})'
        )

    def _offsets(self) -> List[Tuple[int, int]]:
        r = self.window // 2
        return [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1) if (dy, dx) != (0, 0)]

    @staticmethod
    def _shifted(x_pad: Tensor, r: int, dy: int, dx: int, h: int, w: int) -> Tensor:
        """``x[..., y + dy, x + dx]`` for every (y, x) of an ``h x w`` map padded by ``r`` on each side."""
        return x_pad[:, :, r + dy : r + dy + h, r + dx : r + dx + w]

    def kernel_weights(self, images: Tensor, scale: float) -> Tensor:
        """Combined message weights ``w1 k1 + w2 k2`` (normalised) per window offset: (O, N, 1, h, w)."""
        n, _, h, w = images.shape
        r = self.window // 2
        offsets = self._offsets()
        img_pad = F.pad(images, (r, r, r, r))
        colour2 = images.new_empty(len(offsets), n, 1, h, w)
        for o, (dy, dx) in enumerate(offsets):
            torch.sum((images - self._shifted(img_pad, r, dy, dx, h, w)).square(), 1, keepdim=True, out=colour2[o])
        # Neighbours outside the image do not count; same for every image of the batch.
        valid_pad = F.pad(images.new_ones(1, 1, h, w), (r, r, r, r))
        valid = torch.stack([self._shifted(valid_pad, r, dy, dx, h, w) for dy, dx in offsets])
        position2 = images.new_tensor([dy * dy + dx * dx for dy, dx in offsets]).view(-1, 1, 1, 1, 1)
        # Bandwidths in pixels of the working grid (one grid step = 1 / scale input pixels). The exponent is
        # floored at -80 (exp = 2e-35) to keep the arithmetic out of denormal numbers, which are slow on CPUs.
        exponent = colour2.div_(-2 * self.theta_beta**2).sub_(position2 / (2 * (self.theta_alpha * scale) ** 2))
        k1 = exponent.clamp_(min=-80).exp_().mul_(valid)
        k2 = torch.exp(-position2 / (2 * (self.theta_gamma * scale) ** 2)).clamp_(min=1e-35) * valid
        if self.normalize:
            k1 = k1.div_(1 + k1.sum(0, keepdim=True))
            k2 = k2.div_(1 + k2.sum(0, keepdim=True))
        return k1.mul_(self.w1).add_(k2, alpha=self.w2)

    def message(self, q: Tensor, weights: Tensor) -> Tensor:
        """``sum_{j in window(i), j != i} W_ij Q_j``: (N, C, h, w)."""
        _, _, h, w = q.shape
        r = self.window // 2
        q_pad = F.pad(q, (r, r, r, r))
        out = torch.zeros_like(q)
        for weight, (dy, dx) in zip(weights, self._offsets()):
            out.addcmul_(weight, self._shifted(q_pad, r, dy, dx, h, w))
        return out

    @torch.no_grad()
    def __call__(self, logits: Tensor, images: Tensor) -> Tensor:
        check_inputs(logits, images)
        logits = logits.float()
        log_unary = F.log_softmax(logits, dim=1)  # -U
        if self.num_iters == 0:
            return log_unary
        height, width = logits.shape[2:]
        images = images.to(device=logits.device, dtype=torch.float32)
        size = (max(1, round(height * self.scale)), max(1, round(width * self.scale)))
        if size == (height, width):
            low_unary, low_images, scale = log_unary, images, 1.0
        else:
            low_unary = F.log_softmax(F.interpolate(logits, size=size, mode='bilinear', align_corners=False), dim=1)
            low_images = F.interpolate(images, size=size, mode='area')
            scale = (size[0] / height + size[1] / width) / 2
        weights = self.kernel_weights(low_images, scale)
        q = low_unary.exp()
        for _ in range(self.num_iters):
            pairwise = self.message(q, weights)
            q = F.softmax(low_unary + pairwise, dim=1)
        if size != (height, width):
            pairwise = F.interpolate(pairwise, size=(height, width), mode='bilinear', align_corners=False)
        return F.log_softmax(log_unary + pairwise, dim=1)
