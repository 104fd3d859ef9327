# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Python inference API: build a segmentor from a config (+ checkpoint) and run it on images.

    >>> from mmext.apis import init_model, inference_model
    >>> model = init_model('configs/quickstart/topformer_b_dresscode_cpu.py', 'work_dirs/.../iter_600.pth')
    >>> result = inference_model(model, 'photo.jpg')
    >>> result.seg_map.shape, result.landmarks.shape       # (H, W) at the photo's size, (18, 3): x, y, score

Multi-task models (``MultiTaskEncoderDecoder``) return their landmark heads' keypoints (decoded with the
training codec, mmpose's ``MSRAHeatmap``) and their depth heads' maps when asked: ``init_model(...,
aux_predict='all')`` (or a list of head names); otherwise they cost nothing. Models that take pose as an
*input* read a keypoint file when given ``dict(img_path=..., keypoints_path=...)`` and estimate the pose
of a plain photo on the fly (``EstimatePose``, BlazePose unless the config sets ``pose_provider``); depth
inputs need ``depth_path`` (or ``EstimateDepth`` in the config).
"""

import copy
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

from ..models.heads import DepthHead, LandmarkHeatmapHead
from ..models.segmentors import MultiTaskEncoderDecoder
from ..utils.distributed import replace_norm_type
from ..utils.pretrained import load_checkpoint_strictly
from ..visualization import keypoint_records, random_palette

ImageInput = Union[str, np.ndarray, dict]

# Transforms that load training targets; inference drops them unless the model takes their output as input.
TARGET_LOADERS = ('LoadAnnotations', 'GenerateLandmarkHeatmaps', 'GenerateLimbMaps')
# Loaders of per-image side inputs: transform type -> (data info key it reads, ConcatExtraChannels sources).
SIDE_INPUT_LOADERS = {
    'LoadDressCodeKeypoints': ('keypoints_path', ('keypoint_heatmaps', 'limb_maps')),
    'LoadDepthMap': ('depth_path', ('depth',)),
    'EstimateDepth': (None, ('depth',)),
    'EstimatePose': (None, ('keypoint_heatmaps', 'limb_maps')),
    'LoadSkeletonMask': ('skeleton_path', ()),
}


@dataclass
class SegmentationResult:
    """One image's predictions, all in the input image's pixel frame.

    Attributes:
        seg_map: (H, W) int64 class index per pixel.
        classes: class names; ``palette``: one RGB colour per class.
        scores: (C, H, W) float32 class probabilities (softmax; sigmoid for one-channel heads), if asked.
        landmarks: (K, 3) float32 rows of x, y, score per joint, for models with a landmark head (score = the
            heatmap maximum; a joint whose heatmap has no positive value gets x = y = -1).
        depth: (H, W) float32 relative inverse depth (larger = nearer), for models with a depth head.
        input_pose: (18, 3) float32 rows of x, y, visible of the pose the model took as input (pose-input
            models: read from the keypoint file or estimated), in the photo's pixels.
    """

    seg_map: np.ndarray
    classes: Tuple[str, ...]
    palette: List[List[int]]
    scores: Optional[np.ndarray] = None
    landmarks: Optional[np.ndarray] = None
    depth: Optional[np.ndarray] = None
    input_pose: Optional[np.ndarray] = None

    def class_areas(self) -> Dict[str, dict]:
        """Per class present in the map: pixel count and fraction of the image."""
        counts = np.bincount(self.seg_map.ravel(), minlength=len(self.classes))
        total = int(self.seg_map.size)
        return {self.classes[i]: dict(pixels=int(c), fraction=float(c) / total) for i, c in enumerate(counts) if c > 0}

    def to_dict(self) -> dict:
        """JSON-ready summary: size, class areas, keypoints and depth statistics (no per-pixel arrays)."""
        out = dict(
            height=int(self.seg_map.shape[0]),
            width=int(self.seg_map.shape[1]),
            classes=list(self.classes),
            class_areas=self.class_areas(),
        )
        if self.landmarks is not None:
            out['keypoints'] = keypoint_records(self.landmarks)
        if self.input_pose is not None:
            out['input_pose'] = keypoint_records(self.input_pose)
        if self.depth is not None:
            out['depth'] = dict(min=float(self.depth.min()), max=float(self.depth.max()), mean=float(self.depth.mean()))
        return out


def init_model(
    config: Union[str, Config],
    checkpoint: Optional[str] = None,
    device: str = 'cpu',
    cfg_options: Optional[dict] = None,
    aux_predict: Union[str, Sequence[str]] = (),
) -> nn.Module:
    """Build a segmentor for inference (eval mode, on ``device``).

    Args:
        config: config file path or :class:`Config`.
        checkpoint: checkpoint file; loaded strictly (every key must match the config's model). Without
            one the model keeps its random initialisation (no pretrained files are read).
        device: 'cpu', 'cuda' or 'cuda:N'.
        cfg_options: overrides merged into the config.
        aux_predict: auxiliary heads of a multi-task model whose predictions to return: head names, or
            'all' for every landmark and depth head. Default: none (segmentation only, the cheapest path);
            the config's own ``test_cfg`` (its test mode included) is kept otherwise.

    Returns:
        The model, with ``model.cfg`` (the config) and ``model.dataset_meta`` (classes, palette) set.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise RuntimeError(f'device {device!r} was asked for but CUDA is not available; use device="cpu"')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'checkpoint {checkpoint!r} does not exist (train one with tools/train.py, '
            'or bash tools/quickstart.sh for the quickstart model)'
        )
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('pretrained', None)
    model_cfg['train_cfg'] = None
    replace_norm_type(model_cfg, 'SyncBN', 'BN')  # a single process needs no synchronised statistics
    model = MODELS.build(model_cfg)
    meta = None
    if checkpoint is not None:
        loaded = load_checkpoint_strictly(model, checkpoint, config if isinstance(config, str) else 'the config')
        meta = loaded.get('meta', {}).get('dataset_meta')
    model.dataset_meta = _dataset_meta(cfg, meta, model.decode_head.num_classes)
    set_aux_predict(model, aux_predict)
    model.cfg = cfg
    return model.to(device).eval()


def predictable_aux_heads(model: nn.Module, kind: Optional[type] = None) -> Tuple[str, ...]:
    """Names of the auxiliary heads whose predictions the API returns (landmark and depth heads), or of
    those of one ``kind``."""
    heads = getattr(model, 'aux_task_heads', {})
    kinds = (kind,) if kind else (LandmarkHeatmapHead, DepthHead)
    return tuple(name for name, head in heads.items() if isinstance(head, kinds))


def set_aux_predict(model: nn.Module, asked: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """Switch the auxiliary predictions of ``model`` to ``asked`` (head names, or 'all'); returns them."""
    predictable = predictable_aux_heads(model)
    if asked == 'all':
        names = predictable
    else:
        names = (asked,) if isinstance(asked, str) else tuple(asked)
        unknown = [name for name in names if name not in predictable]
        if unknown:
            raise ValueError(f'aux_predict names {unknown}; this model can predict {list(predictable) or "nothing"}')
    if isinstance(model, MultiTaskEncoderDecoder):
        model.test_cfg = ConfigDict(dict(model.test_cfg or {}, aux_predict=names))
    return names


def _dataset_meta(cfg: Config, checkpoint_meta: Optional[dict], num_classes: int) -> dict:
    """Classes and palette: the checkpoint's, else the test dataset's, else generic names."""
    meta = dict(checkpoint_meta or {})
    if 'classes' not in meta:
        dataset_cfg = cfg.get('test_dataloader', {}).get('dataset', {})
        dataset_cls = DATASETS.get(dataset_cfg.get('type', '')) if dataset_cfg else None
        meta.update(getattr(dataset_cls, 'METAINFO', {}) or {})
        meta.update(dataset_cfg.get('metainfo') or {})
    classes = tuple(meta.get('classes') or ())
    if len(classes) != num_classes:
        classes = tuple(f'class_{i}' for i in range(num_classes))
        meta.pop('palette', None)
    palette = meta.get('palette')
    if not palette or len(palette) < num_classes:
        palette = random_palette(num_classes)
    return dict(classes=classes, palette=[list(map(int, c)) for c in palette[:num_classes]])


def build_inference_pipeline(
    cfg: Config, from_array: bool = False, estimate_pose: bool = False
) -> Tuple[Compose, Tuple[str, ...]]:
    """The config's test pipeline without target loading; returns it and the per-image keys it needs.

    Side-input loaders (keypoints, depth maps) stay only when ``ConcatExtraChannels`` feeds their output
    to the model; their data keys (e.g. ``keypoints_path``) must then be given with each image -- except
    with ``estimate_pose``, where ``EstimatePose`` (the config's ``pose_provider``, default BlazePose)
    replaces the keypoint file.
    """
    steps = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    used_sources = set()
    for step in steps:
        if step['type'] == 'ConcatExtraChannels':
            used_sources.update(step.get('sources', ('keypoint_heatmaps',)))
    pipeline, required = [], []
    for step in steps:
        kind = step['type']
        if kind in TARGET_LOADERS:
            continue
        if kind in SIDE_INPUT_LOADERS:
            key, feeds = SIDE_INPUT_LOADERS[kind]
            if not used_sources.intersection(feeds):
                continue
            if kind == 'LoadDressCodeKeypoints' and estimate_pose:
                step, key = dict(type='EstimatePose', provider=cfg.get('pose_provider')), None
            if key:
                required.append(key)
        if kind == 'LoadImageFromFile' and from_array:
            step = dict(type='LoadImageFromNDArray')
        pipeline.append(step)
    return Compose(pipeline), tuple(required)


def _data_info(image: ImageInput, required: Sequence[str], index: int) -> dict:
    if isinstance(image, np.ndarray):
        info = dict(img=image)
    elif isinstance(image, str):
        info = dict(img_path=image)
    elif isinstance(image, dict):
        info = dict(image)
    else:
        raise TypeError(f'image {index}: expected a path, an HxWx3 BGR array or a dict, got {type(image).__name__}')
    missing = [key for key in required if key not in info]
    if missing:
        raise ValueError(
            f'image {index}: this model takes pose/depth maps as input, so every image must be a '
            f'dict with {", ".join(required)} (missing {", ".join(missing)})'
        )
    return info


@torch.no_grad()
def inference_model(
    model: nn.Module, images: Union[ImageInput, Sequence[ImageInput]], return_scores: bool = False, batch_size: int = 1
) -> Union[SegmentationResult, List[SegmentationResult]]:
    """Segment one image or a list of images (paths, BGR uint8 arrays, or dicts with side inputs).

    Returns one :class:`SegmentationResult` for a single image, else a list in the input order.
    """
    single = not isinstance(images, (list, tuple))
    items = [images] if single else list(images)
    # Built once per model: a pipeline that estimates pose or depth holds a loaded estimator.
    pipelines = model.__dict__.setdefault('_inference_pipelines', {})
    results = []
    for start in range(0, len(items), batch_size):
        batch = []
        for index, image in enumerate(items[start : start + batch_size], start):
            from_array = isinstance(image, np.ndarray) or (isinstance(image, dict) and 'img' in image)
            estimate_pose = not (isinstance(image, dict) and 'keypoints_path' in image)
            key = (from_array, estimate_pose)
            if key not in pipelines:
                pipelines[key] = build_inference_pipeline(model.cfg, from_array, estimate_pose)
            pipeline, required = pipelines[key]
            batch.append(pipeline(_data_info(image, required, index)))
        samples = model.test_step(pseudo_collate(batch))
        results.extend(_to_result(sample, model.dataset_meta, return_scores) for sample in samples)
    return results[0] if single else results


def _to_result(sample, meta: dict, return_scores: bool) -> SegmentationResult:
    seg_map = sample.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
    result = SegmentationResult(seg_map=seg_map, classes=tuple(meta['classes']), palette=meta['palette'])
    if return_scores:
        logits = sample.seg_logits.data.float()
        scores = logits.sigmoid() if logits.shape[0] == 1 else logits.softmax(dim=0)
        result.scores = scores.cpu().numpy()
    if 'pred_landmarks' in sample:
        landmarks = sample.pred_landmarks
        xy = landmarks.keypoints.reshape(-1, 2).numpy()
        scores = landmarks.keypoint_scores.reshape(-1, 1).numpy()
        xy = np.where(scores > 0, xy, -1.0)  # the codec finds no maximum in a heatmap without a positive value
        result.landmarks = np.concatenate([xy, scores], axis=1).astype(np.float32)
    if 'gt_landmarks' in sample and 'ori_keypoints' in sample.gt_landmarks:
        xy = sample.gt_landmarks.ori_keypoints.reshape(-1, 2).numpy()
        visible = sample.gt_landmarks.ori_keypoints_visible.reshape(-1, 1).numpy()
        result.input_pose = np.concatenate([np.where(visible > 0, xy, -1.0), visible], axis=1).astype(np.float32)
    if 'pred_depth' in sample:
        result.depth = sample.pred_depth.data[0].float().cpu().numpy()
    return result
