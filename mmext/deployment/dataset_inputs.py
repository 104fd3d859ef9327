# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Model inputs (and labels) from a dataset config, for calibrating and evaluating deployed models."""

import copy
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope


def dataset_inputs(
    cfg: Config, loader: str = 'val_dataloader', num: Optional[int] = None, shape: Optional[Sequence[int]] = None
) -> Iterator[Tuple[torch.Tensor, Optional[np.ndarray]]]:
    """Yield ``(input, label)`` for the first ``num`` samples of ``cfg[loader].dataset``.

    Every sample goes through the *test* pipeline of ``cfg.val_dataloader`` (deterministic: calibration
    images from the training split are not randomly augmented) and the model's data preprocessor
    (normalisation, BGR -> RGB, test-time padding), giving the float32 (1, C, H, W) tensor the model's
    ``mode='tensor'`` path takes. With ``shape`` = (H, W) the tensor is resized bilinearly to that size (a
    fixed-shape ONNX model; normalisation is per-channel affine, so it commutes with the resize). The
    label is the ground-truth map at the original resolution (None when the sample has none).
    """
    from mmseg.registry import DATASETS, MODELS

    init_default_scope('mmseg')
    dataset_cfg = copy.deepcopy(cfg[loader].dataset)
    dataset_cfg.pipeline = copy.deepcopy(cfg.val_dataloader.dataset.pipeline)
    dataset = DATASETS.build(dataset_cfg)
    preprocessor = MODELS.build(copy.deepcopy(cfg.model.data_preprocessor)).eval()
    count = len(dataset) if num is None else min(num, len(dataset))
    for index in range(count):
        sample = dataset[index]
        with torch.no_grad():
            batch = preprocessor(dict(inputs=[sample['inputs']], data_samples=[sample['data_samples']]), False)
        x = batch['inputs'].float()
        if shape is not None and tuple(x.shape[-2:]) != tuple(shape):
            x = F.interpolate(x, size=tuple(shape), mode='bilinear', align_corners=False)
        data_sample = sample['data_samples']
        label = data_sample.gt_sem_seg.data[0].numpy() if 'gt_sem_seg' in data_sample else None
        yield x, label
