# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""MiDaS v3 DPT depth models (Ranftl et al., ICCV 2021) through Hugging Face ``transformers``.

The network is ``transformers.DPTForDepthEstimation``; pre-processing (resize keeping the aspect ratio to a
multiple of 32, mean/std 0.5) and output resizing are the model folder's own ``DPTImageProcessor``
settings, so a DPT-Hybrid or DPT-Large folder behaves as its authors intended.
"""

import os.path as osp
from typing import Dict, List

import numpy as np
import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from .utils import group_by_size

# What ``save_pretrained`` writes into a model folder; one of the weight files must be present.
CONFIG_FILE = 'config.json'
PROCESSOR_FILE = 'preprocessor_config.json'
WEIGHT_FILES = ('model.safetensors', 'pytorch_model.bin')
OFFICIAL_NAMES = 'Intel/dpt-hybrid-midas or Intel/dpt-large'


def check_model_dir(path: str) -> None:
    """Fail with the missing file's name unless ``path`` is a complete local DPT model folder."""
    how = (
        f'DPT weights are read from a local folder (a copy of {OFFICIAL_NAMES} as written by '
        'save_pretrained / huggingface-cli download); nothing is downloaded at run time.'
    )
    if not osp.isdir(path):
        raise FileNotFoundError(f'DPT model folder not found: {path}. {how}')
    for name in (CONFIG_FILE, PROCESSOR_FILE):
        if not osp.isfile(osp.join(path, name)):
            raise FileNotFoundError(f'{osp.join(path, name)} is missing. {how}')
    if not any(osp.isfile(osp.join(path, name)) for name in WEIGHT_FILES):
        raise FileNotFoundError(f'{path} holds none of the weight files {WEIGHT_FILES}. {how}')


@MODELS.register_module()
class DPTDepth(BaseModule):
    """A MiDaS v3 DPT model from a local ``transformers`` folder.

    Args:
        weights: local folder with ``config.json``, ``preprocessor_config.json`` and the weights.
    """

    def __init__(self, weights: str):
        super().__init__()
        check_model_dir(weights)
        # Imported here: transformers takes seconds to import and only this provider needs it.
        from transformers import DPTForDepthEstimation, DPTImageProcessor

        self.processor = DPTImageProcessor.from_pretrained(weights, local_files_only=True)
        self.model = DPTForDepthEstimation.from_pretrained(weights, local_files_only=True)
        self.model.eval()

    def forward(self, pixel_values: Tensor) -> Tensor:
        """Pre-processed images (N, 3, H, W) -> relative inverse depth (N, H, W) at the network's size."""
        return self.model(pixel_values=pixel_values).predicted_depth

    @torch.no_grad()
    def estimate(self, images: List[np.ndarray]) -> List[np.ndarray]:
        """RGB uint8 (H, W, 3) images -> float32 (H, W) relative inverse depth at each image's size.

        Images of the same size are processed as one batch.
        """
        device = next(self.parameters()).device
        outputs: Dict[int, np.ndarray] = {}
        for size, indices in group_by_size(images).items():
            batch = self.processor(images=[images[i] for i in indices], return_tensors='pt')
            output = self.model(pixel_values=batch['pixel_values'].to(device))
            resized = self.processor.post_process_depth_estimation(output, target_sizes=[size] * len(indices))
            for i, result in zip(indices, resized):
                outputs[i] = result['predicted_depth'].float().cpu().numpy()
        return [outputs[i] for i in range(len(images))]
