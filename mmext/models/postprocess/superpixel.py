# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Superpixel label voting with Felzenszwalb & Huttenlocher's graph-based segmentation (IJCV 2004).

The segmentation is scikit-image's compiled implementation; the voting is batched PyTorch.
"""

from typing import Optional

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .dense_crf import check_inputs


def felzenszwalb(image: np.ndarray, scale: float = 100.0, sigma: float = 0.8, min_size: int = 50) -> np.ndarray:
    """Graph-based segmentation of an (H, W, 3) RGB image in 0..255; returns (H, W) int64 labels 0..K-1.

    Felzenszwalb & Huttenlocher (2004) as implemented by scikit-image (compiled): Gaussian smoothing by
    ``sigma``, the 8-connected pixel grid's edges weighted by colour distance and merged in increasing order
    while an edge is at most both components' ``Int(C) + scale / |C|``, then components under ``min_size``
    merged away. The image is given to it as uint8, where its ``scale`` is the paper's ``k`` in 0..255 colour
    units: the partition is the one of the earlier pure-Python implementation that measured the vote's gain
    (``tests/test_postprocess.py`` checks they agree), at a fraction of its time.
    """
    from skimage.segmentation import felzenszwalb as skimage_felzenszwalb

    pixels = np.clip(np.rint(np.asarray(image, np.float64)), 0, 255).astype(np.uint8)
    labels = skimage_felzenszwalb(
        pixels,
        scale=float(scale),
        sigma=float(sigma),
        min_size=int(min_size),
        channel_axis=-1 if pixels.ndim == 3 else None,
    )
    return np.unique(labels, return_inverse=True)[1].reshape(labels.shape).astype(np.int64)


@MODELS.register_module()
class SuperpixelVote:
    """Every Felzenszwalb superpixel of the image takes one label from the prediction inside it.

    Args:
        scale, sigma, min_size: of :func:`felzenszwalb`, on RGB in 0..255 (``scale`` is the paper's ``k``:
            larger means larger superpixels).
        vote: 'mean_prob': the superpixel's mean softmax probability; 'majority': the fraction of its pixels
            whose argmax is each class (the majority label wins).
        max_side: run the segmentation on the image downscaled so that its longer side is at most this
            (labels upsampled by nearest neighbour; ``min_size`` counts downscaled pixels). None: full size.
        eps: floor of the probabilities before the log.

    Call: ``step(logits (N, C, H, W), images (N, 3, H, W) RGB 0..255)`` -> log-probabilities (N, C, H, W), the
    same distribution over a superpixel's pixels. The segmentation runs on the CPU, one image at a time
    (``max_side`` trades detail for speed); the voting runs batched on the logits' device.
    """

    def __init__(
        self,
        scale: float = 100.0,
        sigma: float = 0.8,
        min_size: int = 50,
        vote: str = 'mean_prob',
        max_side: Optional[int] = None,
        eps: float = 1e-6,
    ):
        if vote not in ('mean_prob', 'majority'):
            raise ValueError(f"vote must be 'mean_prob' or 'majority', got {vote!r}")
        self.scale, self.sigma, self.min_size = float(scale), float(sigma), int(min_size)
        self.vote = vote
        self.max_side = max_side
        self.eps = float(eps)

    def __repr__(self) -> str:
        return (
            f'SuperpixelVote(scale={self.scale}, sigma={self.sigma}, min_size={self.min_size}, '
            f'vote={self.vote!r}, max_side={self.max_side})'
        )

    def superpixels(self, image: np.ndarray) -> np.ndarray:
        """(H, W) superpixel ids 0..K-1 of one (H, W, 3) RGB image."""
        height, width = image.shape[:2]
        if self.max_side and max(height, width) > self.max_side:
            factor = self.max_side / max(height, width)
            small = cv2.resize(
                image, (max(1, round(width * factor)), max(1, round(height * factor))), interpolation=cv2.INTER_AREA
            )
            labels = felzenszwalb(small, self.scale, self.sigma, self.min_size)
            labels = cv2.resize(labels.astype(np.int32), (width, height), interpolation=cv2.INTER_NEAREST)
            return np.unique(labels, return_inverse=True)[1].reshape(height, width)
        return felzenszwalb(image, self.scale, self.sigma, self.min_size)

    @torch.no_grad()
    def __call__(self, logits: Tensor, images: Tensor) -> Tensor:
        check_inputs(logits, images)
        n, num_classes, height, width = logits.shape
        pictures = images.detach().float().permute(0, 2, 3, 1).cpu().numpy()
        ids, offset = [], 0
        for picture in pictures:
            labels = self.superpixels(picture)
            ids.append(labels + offset)
            offset += int(labels.max()) + 1
        ids = torch.from_numpy(np.stack(ids)).to(logits.device).reshape(-1)
        if self.vote == 'mean_prob':
            probs = F.softmax(logits.float(), dim=1)
        else:
            probs = F.one_hot(logits.argmax(1), num_classes).permute(0, 3, 1, 2).float()
        flat = probs.permute(0, 2, 3, 1).reshape(-1, num_classes)
        sums = flat.new_zeros(offset, num_classes).index_add_(0, ids, flat)
        counts = torch.bincount(ids, minlength=offset).clamp_min(1).to(flat.dtype)
        mean = (sums / counts[:, None])[ids]
        return mean.clamp_min(self.eps).log().reshape(n, height, width, num_classes).permute(0, 3, 1, 2)
