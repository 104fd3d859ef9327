"""Superpixel label voting with Felzenszwalb & Huttenlocher's graph-based segmentation (IJCV 2004).

The segmentation is implemented here in numpy + a Python union-find loop (scikit-image is not a dependency).
"""
from typing import Optional, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .dense_crf import check_inputs

# Grid-graph edges as (dy, dx) towards a neighbour; each undirected edge appears once.
_EDGE_OFFSETS = {4: ((0, 1), (1, 0)), 8: ((0, 1), (1, 0), (1, 1), (1, -1))}


def _grid_edges(image: np.ndarray, connectivity: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Endpoints (flat indices) and Euclidean colour distances of the grid graph's edges."""
    height, width = image.shape[:2]
    index = np.arange(height * width, dtype=np.int64).reshape(height, width)
    sources, targets, weights = [], [], []
    for dy, dx in _EDGE_OFFSETS[connectivity]:
        ys, yt = slice(0, height - dy), slice(dy, height)
        xs = slice(max(0, -dx), width - max(0, dx))
        xt = slice(max(0, dx), width + min(0, dx))
        sources.append(index[ys, xs].reshape(-1))
        targets.append(index[yt, xt].reshape(-1))
        weights.append(np.sqrt(np.square(image[ys, xs] - image[yt, xt]).sum(-1)).reshape(-1))
    return np.concatenate(sources), np.concatenate(targets), np.concatenate(weights)


def felzenszwalb(image: np.ndarray, scale: float = 100.0, sigma: float = 0.8, min_size: int = 50,
                 connectivity: int = 8) -> np.ndarray:
    """Graph-based segmentation of an (H, W, 3) (or (H, W)) image; returns (H, W) int64 labels 0..K-1.

    Felzenszwalb & Huttenlocher (2004): the image is smoothed by a Gaussian of ``sigma``; the edges of the 4- or
    8-connected pixel grid, weighted by colour distance (Euclidean, in the image's units), are taken in
    increasing order, and an edge joins its two components when its weight is at most both components'
    ``Int(C) + scale / |C|`` (``Int``: largest edge of the component's minimum spanning tree). Afterwards,
    components smaller than ``min_size`` are merged along the remaining edges in the same order.
    """
    if connectivity not in _EDGE_OFFSETS:
        raise ValueError(f'connectivity must be 4 or 8, got {connectivity}')
    image = np.asarray(image, np.float32)
    if image.ndim == 2:
        image = image[..., None]
    height, width = image.shape[:2]
    if sigma > 0:
        radius = int(np.ceil(4 * sigma))
        image = cv2.GaussianBlur(image, (2 * radius + 1, 2 * radius + 1), sigma, borderType=cv2.BORDER_REFLECT)
        if image.ndim == 2:
            image = image[..., None]
    sources, targets, weights = _grid_edges(image, connectivity)
    order = np.argsort(weights, kind='stable')
    sources, targets, weights = sources[order], targets[order], weights[order]

    parent = list(range(height * width))
    size = [1] * len(parent)
    threshold = [float(scale)] * len(parent)  # Int(C) + scale / |C| of each root
    for a, b, w in zip(sources.tolist(), targets.tolist(), weights.tolist()):
        while parent[a] != a:  # find the roots, halving the paths on the way
            parent[a] = a = parent[parent[a]]
        while parent[b] != b:
            parent[b] = b = parent[parent[b]]
        if a != b and w <= threshold[a] and w <= threshold[b]:
            if size[a] < size[b]:
                a, b = b, a
            parent[b] = a
            size[a] += size[b]
            threshold[a] = w + scale / size[a]  # edges come sorted: w is the new Int(C)
    if min_size > 1:
        # Only edges between different components can merge; keep their order.
        roots = _roots(parent)
        between = roots[sources] != roots[targets]
        for a, b in zip(sources[between].tolist(), targets[between].tolist()):
            while parent[a] != a:
                parent[a] = a = parent[parent[a]]
            while parent[b] != b:
                parent[b] = b = parent[parent[b]]
            if a != b and (size[a] < min_size or size[b] < min_size):
                if size[a] < size[b]:
                    a, b = b, a
                parent[b] = a
                size[a] += size[b]
    return np.unique(_roots(parent), return_inverse=True)[1].reshape(height, width)


def _roots(parent: list) -> np.ndarray:
    """The root of every element of a union-find forest (pointer jumping in numpy)."""
    roots = np.asarray(parent, np.int64)
    while True:
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            return roots
        roots = jumped


@MODELS.register_module()
class SuperpixelVote:
    """Every Felzenszwalb superpixel of the image takes one label from the prediction inside it.

    Args:
        scale, sigma, min_size, connectivity: of :func:`felzenszwalb`, on RGB in 0..255 (``scale`` is the
            paper's ``k``: larger means larger superpixels).
        vote: 'mean_prob': the superpixel's mean softmax probability; 'majority': the fraction of its pixels
            whose argmax is each class (the majority label wins).
        max_side: run the segmentation on the image downscaled so that its longer side is at most this
            (labels upsampled by nearest neighbour; ``min_size`` counts downscaled pixels). None: full size.
        eps: floor of the probabilities before the log.

    Call: ``step(logits (N, C, H, W), images (N, 3, H, W) RGB 0..255)`` -> log-probabilities (N, C, H, W), the
    same distribution over a superpixel's pixels. The segmentation runs on the CPU, one image at a time (a Python
    union-find loop: roughly 1.5 s for 512 x 512 on one core; ``max_side`` trades detail for speed); the voting
    runs batched on the logits' device.
    """

    def __init__(self,
                 scale: float = 100.0,
                 sigma: float = 0.8,
                 min_size: int = 50,
                 vote: str = 'mean_prob',
                 connectivity: int = 8,
                 max_side: Optional[int] = None,
                 eps: float = 1e-6):
        if vote not in ('mean_prob', 'majority'):
            raise ValueError(f"vote must be 'mean_prob' or 'majority', got {vote!r}")
        if connectivity not in _EDGE_OFFSETS:
            raise ValueError(f'connectivity must be 4 or 8, got {connectivity}')
        self.scale, self.sigma, self.min_size = float(scale), float(sigma), int(min_size)
        self.vote = vote
        self.connectivity = connectivity
        self.max_side = max_side
        self.eps = float(eps)

    def __repr__(self) -> str:
        return (f'SuperpixelVote(scale={self.scale}, sigma={self.sigma}, min_size={self.min_size}, '
                f'vote={self.vote!r}, max_side={self.max_side})')

    def superpixels(self, image: np.ndarray) -> np.ndarray:
        """(H, W) superpixel ids 0..K-1 of one (H, W, 3) RGB image."""
        height, width = image.shape[:2]
        if self.max_side and max(height, width) > self.max_side:
            factor = self.max_side / max(height, width)
            small = cv2.resize(image, (max(1, round(width * factor)), max(1, round(height * factor))),
                               interpolation=cv2.INTER_AREA)
            labels = felzenszwalb(small, self.scale, self.sigma, self.min_size, self.connectivity)
            labels = cv2.resize(labels.astype(np.int32), (width, height), interpolation=cv2.INTER_NEAREST)
            return np.unique(labels, return_inverse=True)[1].reshape(height, width)
        return felzenszwalb(image, self.scale, self.sigma, self.min_size, self.connectivity)

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
