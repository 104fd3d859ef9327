# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Fuzzing the loaders (hypothesis): random bytes as photos, label maps, skeletons, depth maps and csv files, random
JSON as keypoint files. Each either loads or raises the project's DatasetError -- never another exception, never
a hang (every example runs under a 10 s alarm)."""

import io
import json
import os
import re
import signal
import tempfile
from contextlib import contextmanager

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmext.datasets import DatasetError, load_dresscode_keypoints
from mmext.datasets.bad_sample_policy import run_checked_pipeline
from mmext.datasets.transforms import LoadDepthMap, LoadSkeletonMask

FUZZ = settings(
    max_examples=120, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
WORKDIR = tempfile.mkdtemp(prefix='mmext_fuzz_')


@contextmanager
def time_limit(seconds: float = 10.0):
    """Fail an example that runs longer than ``seconds`` (a hang would otherwise stall the suite)."""

    def alarm(signum, frame):
        raise TimeoutError(f'loader ran longer than {seconds} s')

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def loads_or_dataset_error(function, *args):
    """Run ``function``; a DatasetError is an accepted outcome, any other exception fails the example."""
    with time_limit():
        try:
            result = function(*args)
        except DatasetError as error:
            assert error.path and error.problem
            # pytest --hypothesis-show-statistics lists the outcomes
            event('DatasetError: ' + re.sub(r'\d+', 'N', error.problem)[:32])
            return None
    event('loaded')
    return result


def write(name: str, data: bytes) -> str:
    path = os.path.join(WORKDIR, name)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def encoded(extension: str, array: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(extension, array)
    assert ok
    return buffer.tobytes()


VALID_JPEG = encoded('.jpg', np.random.default_rng(0).integers(0, 255, (24, 16, 3), dtype=np.uint8))
VALID_PNG = encoded('.png', (np.arange(24 * 16).reshape(24, 16) % 5).astype(np.uint8))


@st.composite
def damaged(draw, original: bytes) -> bytes:
    """A valid file cut short, with some bytes overwritten, or with bytes appended: the realistic corruptions."""
    data = bytearray(original[: draw(st.integers(0, len(original)))])
    for _ in range(draw(st.integers(0, 4))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data) + draw(st.binary(max_size=16))


IMAGE_BYTES = st.one_of(st.binary(max_size=2048), damaged(VALID_JPEG), damaged(VALID_PNG), st.just(VALID_JPEG))
LABEL_BYTES = st.one_of(st.binary(max_size=2048), damaged(VALID_PNG), st.just(VALID_PNG))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6),
    max_leaves=40,
)
COORDINATE = st.one_of(
    st.integers(-2, 520),
    st.floats(-2, 520),
    st.integers(-(10**6), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.text(max_size=2),
    st.booleans(),
)


@st.composite
def nearly_valid_joints(draw) -> list:
    """18 valid joints of which up to three are replaced by odd values; sometimes one too many or too few."""
    joints = [[draw(st.floats(-1, 384)), draw(st.floats(-1, 512)), 0.9, i] for i in range(18)]
    for _ in range(draw(st.integers(0, 3))):
        odd = draw(st.one_of(st.lists(COORDINATE, max_size=5), COORDINATE))
        joints[draw(st.integers(0, 17))] = odd
    size = draw(st.sampled_from([18, 18, 18, 17, 19]))
    return (joints + joints)[:size]


@FUZZ
@given(data=st.binary(max_size=4096))
def test_keypoint_loader_on_random_bytes(data):
    path = write('random_2.json', data)
    loads_or_dataset_error(load_dresscode_keypoints, path, (1024, 768))


@FUZZ
@given(content=JSON)
def test_keypoint_loader_on_random_json(content):
    path = write('json_2.json', json.dumps(content).encode())
    loads_or_dataset_error(load_dresscode_keypoints, path, (1024, 768))


@FUZZ
@given(joints=nearly_valid_joints(), extra=st.dictionaries(st.text(max_size=4), JSON, max_size=2))
def test_keypoint_loader_on_nearly_valid_json(joints, extra):
    path = write('near_2.json', json.dumps(dict(extra, keypoints=joints)).encode())
    result = loads_or_dataset_error(load_dresscode_keypoints, path, (1024, 768))
    if result is not None:
        keypoints, visible = result
        assert keypoints.shape == (1, 18, 2) and np.isfinite(keypoints).all()
        assert ((keypoints[..., 0] <= 768) & (keypoints[..., 1] <= 1024)).all() and set(visible.ravel()) <= {0, 1}


def test_keypoint_loader_on_deep_nesting():
    path = write('deep_2.json', b'[' * 100000)
    with pytest.raises(DatasetError, match='nested too deeply|unreadable keypoint JSON'):
        load_dresscode_keypoints(path, (1024, 768))


@FUZZ
@given(photo=IMAGE_BYTES, label=LABEL_BYTES)
def test_photo_and_label_loading_on_random_bytes(photo, label):
    init_default_scope('mmseg')
    pipeline = Compose([dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')])
    results = dict(
        img_path=write('photo.jpg', photo),
        seg_map_path=write('label.png', label),
        label_map=None,
        reduce_zero_label=False,
        seg_fields=[],
    )
    loaded = loads_or_dataset_error(run_checked_pipeline, pipeline, results, 5, 255)
    if loaded is not None:  # what loads is what training needs: an image and a matching, in-range label map
        assert loaded['img'].ndim == 3 and loaded['gt_seg_map'].shape == loaded['img'].shape[:2]
        assert loaded['gt_seg_map'].max() < 5


@FUZZ
@given(skeleton=IMAGE_BYTES, depth=LABEL_BYTES)
def test_skeleton_and_depth_loading_on_random_bytes(skeleton, depth):
    results = dict(
        skeleton_path=write('skeleton_5.jpg', skeleton),
        depth_path=write('depth_0.png', depth),
        ori_shape=(24, 16),
        img_shape=(24, 16),
    )
    loads_or_dataset_error(LoadSkeletonMask(), dict(results))
    loads_or_dataset_error(LoadDepthMap(), dict(results))


CSV_CELL = st.one_of(st.text(max_size=12), st.integers(-5, 400).map(str), st.just('1 10 20 5'), st.just('3_10'))


@settings(FUZZ, max_examples=60)
@given(
    rows=st.lists(st.lists(CSV_CELL, min_size=0, max_size=6), max_size=6),
    raw=st.binary(max_size=256),
    use_raw=st.booleans(),
)
def test_instance_csv_on_random_rows_and_bytes(rows, raw, use_raw):
    import csv

    from mmdet.registry import DATASETS as DET_DATASETS

    import mmext.datasets.imaterialist_instances  # noqa: F401  (registers the dataset)

    root = tempfile.mkdtemp(dir=WORKDIR)
    os.makedirs(os.path.join(root, 'train'))
    if use_raw:
        content = b'ImageId,EncodedPixels,Height,Width,ClassId\n' + raw
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(['ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId'])
        writer.writerows(rows)
        content = text.getvalue().encode()
    write(os.path.relpath(os.path.join(root, 'train.csv'), WORKDIR), content)
    init_default_scope('mmdet')
    loads_or_dataset_error(
        DET_DATASETS.build, dict(type='IMaterialistInstanceDataset', data_root=root, serialize_data=False, pipeline=[])
    )
