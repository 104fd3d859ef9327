# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Person/background configs with a depth input channel (SERSegFormer + depth) on small synthetic trees of
the EasyPortrait and CCP layouts, reading precomputed depth maps at the documented paths."""

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmext.datasets.depth_maps import encode_inverse_depth, write_png_atomic
from mmext.datasets.errors import DatasetError
from mmext.utils.benchmarking import build_inference_segmentor

CONFIGS = {
    'easyportrait': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-depth_8xb2-160k_easyportrait-person-'
    '512x512.py',
    'ccp': 'configs/sersegformer/sersegformer_b0-convdec-abg-dbn-dam-depth_8xb2-160k_ccp-person-512x512.py',
}
SIZE = (96, 64)  # H, W of the synthetic photos


def person_sample(rng: np.random.Generator, labels: int):
    """A photo with an ellipse 'person' (labels 1..labels-1 inside), its mask, and depth nearer on the person."""
    height, width = SIZE
    yy, xx = np.mgrid[:height, :width]
    person = ((yy - height / 2) / (height * 0.4)) ** 2 + ((xx - width / 2) / (width * 0.3)) ** 2 < 1
    mask = np.where(person, rng.integers(1, labels, SIZE), 0).astype(np.uint8)
    photo = rng.integers(0, 60, (*SIZE, 3), dtype=np.uint8)
    photo[person] += 150
    depth = 0.2 + 0.6 * person + 0.01 * rng.random(SIZE)
    return photo, mask, depth


def write_easyportrait(root: Path, rng) -> None:
    for split in ('train', 'val'):
        for i in range(2):
            photo, mask, depth = person_sample(rng, 9)
            for folder, image in (('images', photo), ('annotations', mask)):
                (root / folder / split).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / 'images' / split / f'p{i}.jpg'), photo)
            cv2.imwrite(str(root / 'annotations' / split / f'p{i}.png'), mask)
            write_png_atomic(str(root / 'depth' / split / f'p{i}.png'), encode_inverse_depth(depth))


def write_ccp(root: Path, rng) -> None:
    for folder in ('photos', 'labels', 'splits'):
        (root / folder).mkdir(parents=True)
    for i in range(4):
        photo, mask, depth = person_sample(rng, 59)
        cv2.imwrite(str(root / 'photos' / f'{i:04d}.jpg'), photo)
        cv2.imwrite(str(root / 'labels' / f'{i:04d}.png'), mask)
        write_png_atomic(str(root / 'depth' / f'{i:04d}.png'), encode_inverse_depth(depth))
    (root / 'splits' / 'train.txt').write_text('0000\n0001\n')
    (root / 'splits' / 'val.txt').write_text('0002\n0003\n')


@pytest.fixture(params=list(CONFIGS))
def layout(request, tmp_path):
    root = tmp_path / request.param
    (write_easyportrait if request.param == 'easyportrait' else write_ccp)(root, np.random.default_rng(0))
    cfg = Config.fromfile(str(REPO / CONFIGS[request.param]))
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].dataset.data_root = str(root)
    return request.param, root, cfg


def test_depth_config_reads_precomputed_maps_and_trains(layout):
    name, root, cfg = layout
    init_default_scope('mmseg')
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    val_set = DATASETS.build(cfg.val_dataloader.dataset)
    depth_paths = sorted(Path(info['depth_path']).relative_to(root).as_posix() for info in val_set.load_data_list())
    assert depth_paths == (
        ['depth/val/p0.png', 'depth/val/p1.png'] if name == 'easyportrait' else ['depth/0002.png', 'depth/0003.png']
    )

    # Test pipeline: RGB + depth resized together; labels stay at the photo size (mmseg's evaluation).
    sample = val_set[0]
    inputs, labels = sample['inputs'], sample['data_samples'].gt_sem_seg.data
    assert inputs.shape[0] == 4 and labels.shape[1:] == SIZE
    assert set(labels.unique().tolist()) == {0, 1}  # person / background
    depth = torch.nn.functional.interpolate(inputs[3][None, None].float(), size=SIZE, mode='bilinear')[0, 0]
    assert depth.max() <= 255 + 1e-3 and depth.min() >= 0
    assert depth[labels[0] == 1].mean() > depth[labels[0] == 0].mean() + 100  # the person is nearer

    # One training step of the 4-channel SERSegFormer on the training pipeline (512 x 512 crops).
    model = build_inference_segmentor(cfg).train()
    batch = pseudo_collate([train_set[0], train_set[1]])
    # Crops of a resized photo smaller than 512 px are padded to 512 x 512 by the data preprocessor.
    assert model.data_preprocessor(batch, training=True)['inputs'].shape == (2, 4, 512, 512)
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-4))
    losses = model.train_step(batch, optim)
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    with torch.no_grad():
        prediction = model.test_step(pseudo_collate([sample]))[0]
    assert prediction.pred_sem_seg.data.shape == labels.shape


def test_missing_depth_map_names_the_file(layout):
    name, root, cfg = layout
    init_default_scope('mmseg')
    val_set = DATASETS.build(cfg.val_dataloader.dataset)
    missing = Path(val_set.get_data_info(0)['depth_path'])
    missing.unlink()
    with pytest.raises(DatasetError, match=f'{missing}: image is missing'):
        val_set[0]
