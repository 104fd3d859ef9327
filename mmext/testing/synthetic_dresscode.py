# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A synthetic stand-in for Dress Code, written in the real layout (see :mod:`mmext.datasets.dresscode`).

Every sample is a standing person drawn from a random pose: COCO-18 joints are placed from random body
proportions, limb angles, turn and tilt; body parts and garments are drawn as polygons and thick
segments *between those joints*, so the label map, the keypoints and the skeleton agree by
construction: the upper garment spans shoulders to hips with sleeves along the upper arms, trousers
follow hip -> knee -> ankle, skirts and dresses flare from the waist over the thighs. The photo paints
every label region with its own colour and texture (stripes, checks, dots, noise) over a textured
background, with shading towards region borders. Outputs per sample:

``images/NNNNNN_0.jpg`` photo, ``images/NNNNNN_1.jpg`` garment, ``keypoints/NNNNNN_2.json``,
``label_maps/NNNNNN_4.png``, ``skeletons/NNNNNN_5.jpg``, ``dense/NNNNNN_5.png`` (coarse body-part index)
and ``dense/NNNNNN_5_uv.npz`` (``uv``: 2 x H x W, part-relative coordinates), plus the pair lists, and
``depth/NNNNNN_0.png``: 16-bit relative inverse depth (larger = nearer, as MiDaS), the person nearer than
the background, body parts rounded, arms slightly in front of the torso, the floor nearing the camera
towards the bottom of the photo. (Dress Code itself has no depth; precomputed MiDaS maps go there.)

Sample ``i`` of category ``c`` depends only on ``(seed, c, i)``: the output is deterministic per seed.

Used by the tests' fixtures, the quickstart and the ablation demo; its command line is
``tools/misc/make_synthetic_dresscode.py``.
"""

import io
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmext.datasets.dresscode_meta import CATEGORIES, KEYPOINT_FRAME_WH, NUM_KEYPOINTS
from mmext.datasets.pose_rendering import draw_openpose_skeleton
from mmext.utils.atomic_io import atomic_write, atomic_write_image

# Label values (Dress Code parsing classes).
BACKGROUND, HAT, HAIR, SUNGLASSES, UPPER, SKIRT, PANTS, DRESS, BELT = range(9)
LEFT_SHOE, RIGHT_SHOE, HEAD, LEFT_LEG, RIGHT_LEG, LEFT_ARM, RIGHT_ARM, BAG, SCARF = range(9, 18)

# Joint indices (OpenPose COCO-18).
NOSE, NECK, R_SHO, R_ELB, R_WRI, L_SHO, L_ELB, L_WRI = range(8)
R_HIP, R_KNEE, R_ANK, L_HIP, L_KNEE, L_ANK, R_EYE, L_EYE, R_EAR, L_EAR = range(8, 18)

MARKER_FILE = 'SYNTHETIC_DRESSCODE.txt'
TRAIN_FRACTION = 0.8
# First id of each category: real Dress Code ids are unique across categories too.
ID_OFFSETS = {'upper_body': 0, 'lower_body': 100000, 'dresses': 200000}


@dataclass
class Pose:
    """Joints in the 384 x 512 keypoint frame plus the body measures the painter needs."""

    joints: np.ndarray  # (18, 2) float, frame coordinates
    visible: np.ndarray  # (18,) bool
    body_height: float  # head top to ankles, frame pixels
    girth: float  # limb thickness factor
    turn: float  # cos of the body's turn, scales widths


def sample_pose(rng: np.random.Generator) -> Pose:
    """A random standing pose; the legs may run out of the frame (cropped photos)."""
    frame_w, frame_h = KEYPOINT_FRAME_WH
    cropped = rng.random() < 0.25
    height = frame_h * (rng.uniform(1.05, 1.3) if cropped else rng.uniform(0.62, 0.95))
    top = rng.uniform(0.02, 0.06 if cropped else 0.98 - height / frame_h) * frame_h
    cx = frame_w / 2 + rng.uniform(-0.16, 0.16) * frame_w
    yaw = rng.uniform(-0.6, 0.6)
    turn = float(np.cos(yaw))
    girth = rng.uniform(0.85, 1.2)
    j = np.zeros((NUM_KEYPOINTS, 2))

    def at(dx: float, dy: float) -> np.ndarray:
        return np.array([cx + dx * height, top + dy * height])

    shift = np.sin(yaw) * 0.03
    j[NOSE] = at(shift, 0.070)
    j[R_EYE] = at(shift - 0.021 * turn, 0.058)
    j[L_EYE] = at(shift + 0.021 * turn, 0.058)
    j[R_EAR] = at(shift / 2 - 0.043 * turn, 0.064)
    j[L_EAR] = at(shift / 2 + 0.043 * turn, 0.064)
    j[NECK] = at(0, 0.145)
    shoulder = rng.uniform(0.095, 0.125) * girth**0.5 * turn
    hip = rng.uniform(0.07, 0.095) * girth**0.5 * turn
    tilt = rng.uniform(-0.012, 0.012)
    j[R_SHO] = at(-shoulder, 0.175 + tilt)
    j[L_SHO] = at(shoulder, 0.175 - tilt)
    j[R_HIP] = at(-hip, 0.50)
    j[L_HIP] = at(hip, 0.50)

    for side, (sho, elb, wri) in ((-1, (R_SHO, R_ELB, R_WRI)), (1, (L_SHO, L_ELB, L_WRI))):
        if rng.random() < 0.15:  # a raised arm
            raise_angle = rng.uniform(1.6, 2.7)
            bend = rng.uniform(-0.4, 0.4)
        else:
            raise_angle = rng.uniform(0.05, 0.8)
            bend = rng.uniform(-0.3, 0.9)
        upper = 0.165 * height * np.array([side * np.sin(raise_angle), np.cos(raise_angle)])
        fore_angle = raise_angle - bend
        fore = 0.145 * height * np.array([side * np.sin(fore_angle), np.cos(fore_angle)])
        j[elb] = j[sho] + upper
        j[wri] = j[elb] + fore

    for side, (hip_j, knee, ankle) in ((-1, (R_HIP, R_KNEE, R_ANK)), (1, (L_HIP, L_KNEE, L_ANK))):
        spread = rng.uniform(-0.02, 0.22)
        shin_angle = spread + rng.uniform(-0.08, 0.06)
        j[knee] = j[hip_j] + 0.235 * height * np.array([side * np.sin(spread), np.cos(spread)])
        j[ankle] = j[knee] + 0.235 * height * np.array([side * np.sin(shin_angle), np.cos(shin_angle)])

    # Lean the whole body a little around the hips.
    lean = rng.uniform(-0.08, 0.08)
    centre = (j[R_HIP] + j[L_HIP]) / 2
    rot = np.array([[np.cos(lean), -np.sin(lean)], [np.sin(lean), np.cos(lean)]])
    j = (j - centre) @ rot.T + centre

    visible = (j[:, 0] > 2) & (j[:, 0] < frame_w - 2) & (j[:, 1] > 2) & (j[:, 1] < frame_h - 2)
    if yaw > 0.3:  # turned: the far ear is hidden behind the head
        visible[L_EAR] = False
    elif yaw < -0.3:
        visible[R_EAR] = False
    return Pose(joints=j, visible=visible, body_height=height, girth=girth, turn=turn)


@dataclass
class Outfit:
    upper: Optional[str]  # None, 'short', 'long' (sleeve length) for the upper garment
    lower: Optional[str]  # None, 'pants', 'shorts', 'skirt'
    dress: Optional[Tuple[str, float]]  # (sleeves, skirt length as a fraction of hip->ankle)
    skirt_length: float
    untucked: float  # how far the top hangs below the hips (fraction of body height)
    belt: bool
    hat: bool
    sunglasses: bool
    scarf: bool
    bag: bool
    long_hair: bool


def sample_outfit(rng: np.random.Generator, category: str) -> Outfit:
    dress = upper = lower = None
    if category == 'dresses':
        dress = (str(rng.choice(['none', 'short', 'long'], p=[0.4, 0.4, 0.2])), float(rng.uniform(0.35, 0.95)))
    else:
        upper = str(rng.choice(['short', 'long']))
        lower = str(rng.choice(['pants', 'shorts', 'skirt'], p=[0.55, 0.15, 0.3]))
    return Outfit(
        upper=upper,
        lower=lower,
        dress=dress,
        skirt_length=float(rng.uniform(0.3, 0.85)),
        untucked=float(rng.uniform(-0.02, 0.07)),
        belt=lower is not None and rng.random() < 0.2,
        hat=rng.random() < 0.1,
        sunglasses=rng.random() < 0.1,
        scarf=rng.random() < 0.08,
        bag=rng.random() < 0.12,
        long_hair=rng.random() < 0.5,
    )


class Painter:
    """Draws labels onto a uint8 canvas in pixel coordinates scaled from the keypoint frame."""

    def __init__(self, size_hw: Tuple[int, int], pose: Pose):
        self.height, self.width = size_hw
        self.scale = np.array([self.width / KEYPOINT_FRAME_WH[0], self.height / KEYPOINT_FRAME_WH[1]])
        self.unit = pose.body_height * float(self.scale.mean())  # body height in pixels
        self.pose = pose
        self.labels = np.zeros(size_hw, dtype=np.uint8)

    def px(self, point: np.ndarray) -> np.ndarray:
        return np.asarray(point) * self.scale

    def segment(self, label: int, a, b, thickness: float) -> None:
        pa, pb = self.px(a), self.px(b)
        cv2.line(
            self.labels,
            tuple(int(v) for v in np.round(pa)),
            tuple(int(v) for v in np.round(pb)),
            label,
            max(1, int(round(thickness * self.unit))),
            cv2.LINE_8,
        )
        radius = max(1, int(round(thickness * self.unit / 2)))
        for p in (pa, pb):
            cv2.circle(self.labels, tuple(int(v) for v in np.round(p)), radius, label, -1, cv2.LINE_8)

    def polygon(self, label: int, points: Sequence) -> None:
        pts = np.round(np.array([self.px(p) for p in points])).astype(np.int32)
        cv2.fillPoly(self.labels, [pts], label, cv2.LINE_8)

    def ellipse(self, label: int, centre, axes_frac: Tuple[float, float], angle: float = 0.0) -> None:
        c = tuple(int(v) for v in np.round(self.px(centre)))
        axes = tuple(max(1, int(round(a * self.unit))) for a in axes_frac)
        cv2.ellipse(self.labels, c, axes, angle, 0, 360, label, -1, cv2.LINE_8)


def _lerp(a, b, t: float) -> np.ndarray:
    return np.asarray(a) + (np.asarray(b) - np.asarray(a)) * t


def _outward(point, centre_x: float, amount: float) -> np.ndarray:
    p = np.array(point, dtype=float)
    p[0] += np.sign(p[0] - centre_x) * amount
    return p


def paint_labels(size_hw: Tuple[int, int], pose: Pose, outfit: Outfit) -> np.ndarray:
    """The 18-class label map of ``pose`` wearing ``outfit``, painted back to front."""
    p = Painter(size_hw, pose)
    j = pose.joints
    g = pose.girth
    h = pose.body_height
    mid_x = float((j[R_HIP, 0] + j[L_HIP, 0]) / 2)
    face_centre = _lerp(j[NOSE], (j[R_EYE] + j[L_EYE]) / 2, 0.3)

    if outfit.long_hair:
        p.polygon(
            HAIR,
            [
                face_centre + [-0.05 * h, -0.03 * h],
                face_centre + [0.05 * h, -0.03 * h],
                face_centre + [0.06 * h, 0.13 * h],
                face_centre + [-0.06 * h, 0.13 * h],
            ],
        )
    # Legs and shoes.
    for label, shoe, (hip, knee, ankle) in (
        (RIGHT_LEG, RIGHT_SHOE, (R_HIP, R_KNEE, R_ANK)),
        (LEFT_LEG, LEFT_SHOE, (L_HIP, L_KNEE, L_ANK)),
    ):
        p.segment(label, j[hip], j[knee], 0.085 * g)
        p.segment(label, j[knee], j[ankle], 0.06 * g)
        foot = j[ankle] + [np.sign(j[ankle, 0] - mid_x) * 0.01 * h, 0.02 * h]
        p.segment(shoe, j[ankle] + [0, 0.005 * h], foot, 0.05 * g)

    hips_line = [_outward(j[R_HIP], mid_x, 0.02 * h * g), _outward(j[L_HIP], mid_x, 0.02 * h * g)]
    waist = [_lerp(j[R_HIP], j[R_SHO], 0.12), _lerp(j[L_HIP], j[L_SHO], 0.12)]
    # Lower garment.
    if outfit.lower in ('pants', 'shorts'):
        reach = 1.0 if outfit.lower == 'pants' else 0.45
        for hip, knee, ankle in ((R_HIP, R_KNEE, R_ANK), (L_HIP, L_KNEE, L_ANK)):
            end = _lerp(j[knee], j[ankle], reach * 2 - 1) if reach > 0.5 else _lerp(j[hip], j[knee], reach * 2)
            if reach > 0.5:
                p.segment(PANTS, j[hip], j[knee], 0.1 * g)
                p.segment(PANTS, j[knee], end, 0.075 * g)
            else:
                p.segment(PANTS, j[hip], end, 0.1 * g)
        crotch = _lerp((j[R_HIP] + j[L_HIP]) / 2, (j[R_KNEE] + j[L_KNEE]) / 2, 0.25)
        p.polygon(PANTS, [waist[0], waist[1], hips_line[1], crotch, hips_line[0]])
    elif outfit.lower == 'skirt':
        _paint_skirt(p, SKIRT, waist, j, outfit.skirt_length, g, h)
    if outfit.dress is not None:
        _paint_skirt(p, DRESS, waist, j, outfit.dress[1], g, h)

    # Torso garment (a top or the dress bodice).
    torso_label = DRESS if outfit.dress is not None else UPPER
    hem = 0.0 if outfit.dress is not None else outfit.untucked
    shoulders = [_outward(j[R_SHO], mid_x, 0.015 * h), _outward(j[L_SHO], mid_x, 0.015 * h)]
    hem_points = [hips_line[0] + [0, hem * h], hips_line[1] + [0, hem * h]]
    neckline = [_lerp(j[NECK], j[R_SHO], 0.35) + [0, -0.01 * h], _lerp(j[NECK], j[L_SHO], 0.35) + [0, -0.01 * h]]
    p.polygon(
        torso_label,
        [
            neckline[0],
            shoulders[0],
            _lerp(shoulders[0], hem_points[0], 0.45) + [0.01 * h, 0],
            hem_points[0],
            hem_points[1],
            _lerp(shoulders[1], hem_points[1], 0.45) - [0.01 * h, 0],
            shoulders[1],
            neckline[1],
        ],
    )
    if outfit.belt:
        p.segment(BELT, waist[0], waist[1], 0.025)

    # Arms, then sleeves over them.
    sleeves = outfit.dress[0] if outfit.dress is not None else outfit.upper
    for label, (sho, elb, wri) in ((RIGHT_ARM, (R_SHO, R_ELB, R_WRI)), (LEFT_ARM, (L_SHO, L_ELB, L_WRI))):
        p.segment(label, j[sho], j[elb], 0.05 * g)
        p.segment(label, j[elb], j[wri], 0.042 * g)
        p.ellipse(label, _lerp(j[elb], j[wri], 1.12), (0.022 * g, 0.028 * g))
        if sleeves == 'short':
            p.segment(torso_label, j[sho], _lerp(j[sho], j[elb], 0.55), 0.062 * g)
        elif sleeves == 'long':
            p.segment(torso_label, j[sho], j[elb], 0.062 * g)
            p.segment(torso_label, j[elb], _lerp(j[elb], j[wri], 0.92), 0.052 * g)

    # Neck, head, hair and head accessories.
    p.segment(HEAD, j[NECK] + [0, -0.005 * h], face_centre, 0.045)
    p.ellipse(HEAD, face_centre, (0.04 * pose.turn + 0.008, 0.055))
    p.ellipse(HAIR, face_centre + [0, -0.045 * h], (0.05, 0.028))
    if outfit.hat:
        p.ellipse(HAT, face_centre + [0, -0.07 * h], (0.06, 0.025))
    if outfit.sunglasses:
        p.segment(SUNGLASSES, j[R_EYE] + [-0.01 * h, 0], j[L_EYE] + [0.01 * h, 0], 0.016)
    if outfit.scarf:
        p.segment(SCARF, _lerp(j[NECK], j[R_SHO], 0.3), _lerp(j[NECK], j[L_SHO], 0.3), 0.035)
    if outfit.bag:
        hand = j[R_WRI]
        p.polygon(
            BAG,
            [
                hand + [-0.04 * h, 0.01 * h],
                hand + [0.04 * h, 0.01 * h],
                hand + [0.045 * h, 0.09 * h],
                hand + [-0.045 * h, 0.09 * h],
            ],
        )
    return p.labels


def _paint_skirt(
    p: Painter, label: int, waist: List[np.ndarray], j: np.ndarray, length: float, girth: float, height: float
) -> None:
    """A skirt flaring from the waist over the thighs; ``length`` is a fraction of hip -> ankle."""
    hem_r = _lerp(j[R_HIP], j[R_ANK], length)
    hem_l = _lerp(j[L_HIP], j[L_ANK], length)
    flare = (0.04 + 0.08 * length) * height * girth**0.5
    p.polygon(
        label, [waist[0] + [-0.01 * height, 0], waist[1] + [0.01 * height, 0], hem_l + [flare, 0], hem_r + [-flare, 0]]
    )


# ------------------------------------------------------------------------------------------- appearance
def _pattern(rng: np.random.Generator, size_hw: Tuple[int, int], colour: np.ndarray, scale: float) -> np.ndarray:
    """A full-size float32 RGB texture: solid, stripes, checks, dots or noise around ``colour``."""
    height, width = size_hw
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    kind = rng.choice(['solid', 'stripes', 'checks', 'dots', 'noise'], p=[0.35, 0.2, 0.15, 0.15, 0.15])
    second = np.clip(colour + rng.uniform(-110, 110, 3), 0, 255)
    period = max(4.0, rng.uniform(0.02, 0.06) * scale)
    if kind == 'stripes':
        angle = rng.uniform(0, np.pi)
        mask = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period) > 0
    elif kind == 'checks':
        mask = ((xx // period).astype(int) + (yy // period).astype(int)) % 2 == 0
    elif kind == 'dots':
        mask = ((xx % period - period / 2) ** 2 + (yy % period - period / 2) ** 2) < (period / 4) ** 2
    else:
        mask = None
    texture = np.empty((height, width, 3), np.float32)
    texture[:] = colour
    if mask is not None:
        texture[mask] = second
    if kind == 'noise':
        small = rng.normal(0, 35, (max(2, height // 16), max(2, width // 16), 3)).astype(np.float32)
        texture += cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    return texture


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(40, 256), rng.integers(40, 256)]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


SKIN_TONES = np.array(
    [[255, 224, 196], [241, 194, 155], [224, 172, 125], [198, 134, 90], [141, 85, 54], [95, 60, 40]], np.float32
)
HAIR_COLOURS = np.array([[20, 15, 10], [60, 40, 25], [120, 80, 40], [200, 170, 110], [150, 60, 30]], np.float32)


def render_photo(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """An RGB uint8 photo whose regions follow ``labels``."""
    height, width = labels.shape
    scale = float(max(height, width))
    background = _random_colour(rng) * 0.3 + rng.uniform(150, 245) * 0.7
    photo = _pattern(rng, (height, width), background, scale)
    gradient = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.1), height, dtype=np.float32)
    photo *= gradient[:, None, None]
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] + rng.uniform(-10, 10, 3)
    hair = HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))]
    flat = {
        HAIR: hair,
        HEAD: skin,
        LEFT_LEG: skin,
        RIGHT_LEG: skin,
        LEFT_ARM: skin,
        RIGHT_ARM: skin,
        SUNGLASSES: np.float32([15, 15, 20]),
    }
    shoes = np.float32(_random_colour(rng) * 0.4)
    flat[LEFT_SHOE] = flat[RIGHT_SHOE] = shoes
    for label in np.unique(labels):
        if label == BACKGROUND:
            continue
        mask = labels == label
        if label in flat:
            photo[mask] = flat[label]
        else:
            photo[mask] = _pattern(rng, (height, width), _random_colour(rng), scale)[mask]
    # Shade towards region borders so that garments look rounded.
    person = (labels > 0).astype(np.uint8)
    edges = cv2.Canny(labels, 0, 0)
    dist = cv2.distanceTransform(255 - edges, cv2.DIST_L2, 3)
    shade = 0.72 + 0.28 * np.clip(dist / (0.012 * scale + 1), 0, 1)
    photo[person > 0] *= shade[person > 0, None]
    photo += rng.normal(0, 4, photo.shape).astype(np.float32)
    photo = cv2.GaussianBlur(photo, (3, 3), 0)
    return np.clip(photo, 0, 255).astype(np.uint8)


def render_garment(rng: np.random.Generator, size_hw: Tuple[int, int], outfit: Outfit, category: str) -> np.ndarray:
    """The in-shop garment photo: the category's garment on a canonical pose, on white."""
    canonical = Pose(
        joints=_canonical_joints(), visible=np.ones(NUM_KEYPOINTS, bool), body_height=470.0, girth=1.0, turn=1.0
    )
    labels = paint_labels(size_hw, canonical, outfit)
    target = {'dresses': [DRESS], 'upper_body': [UPPER], 'lower_body': [PANTS, SKIRT]}[category]
    mask = np.isin(labels, target)
    photo = np.full((*size_hw, 3), 250, np.uint8)
    garment = _pattern(rng, size_hw, _random_colour(rng), float(max(size_hw)))
    photo[mask] = np.clip(garment[mask], 0, 255).astype(np.uint8)
    return photo


def _canonical_joints() -> np.ndarray:
    j = np.zeros((NUM_KEYPOINTS, 2))
    cx, top, height = 192.0, 20.0, 470.0
    offsets = {
        NOSE: (0, 0.07),
        NECK: (0, 0.145),
        R_SHO: (-0.11, 0.175),
        L_SHO: (0.11, 0.175),
        R_ELB: (-0.16, 0.33),
        L_ELB: (0.16, 0.33),
        R_WRI: (-0.2, 0.47),
        L_WRI: (0.2, 0.47),
        R_HIP: (-0.08, 0.5),
        L_HIP: (0.08, 0.5),
        R_KNEE: (-0.09, 0.735),
        L_KNEE: (0.09, 0.735),
        R_ANK: (-0.1, 0.97),
        L_ANK: (0.1, 0.97),
        R_EYE: (-0.021, 0.058),
        L_EYE: (0.021, 0.058),
        R_EAR: (-0.043, 0.064),
        L_EAR: (0.043, 0.064),
    }
    for k, (dx, dy) in offsets.items():
        j[k] = (cx + dx * height, top + dy * height)
    return j


def render_skeleton(size_hw: Tuple[int, int], pose: Pose) -> np.ndarray:
    """OpenPose-style drawing: coloured limbs between visible joints and joint dots on black (RGB)."""
    height, width = size_hw
    scale = np.array([width / KEYPOINT_FRAME_WH[0], height / KEYPOINT_FRAME_WH[1]])
    return draw_openpose_skeleton(size_hw, pose.joints * scale, pose.visible)


def render_depth(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """Relative inverse depth in [0, 1] (float32): background far, person near and rounded."""
    height, width = labels.shape
    rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    depth = np.broadcast_to(0.08 + rng.uniform(0.1, 0.2) * rows**2, (height, width)).copy()
    person = labels > 0
    if person.any():
        inside = cv2.distanceTransform(person.astype(np.uint8), cv2.DIST_L2, 5)
        roundness = np.sqrt(inside / max(float(inside.max()), 1.0))
        base = rng.uniform(0.55, 0.7)
        depth[person] = base + 0.25 * roundness[person]
        arms = np.isin(labels, (LEFT_ARM, RIGHT_ARM))
        depth[arms] += 0.05
    return np.clip(cv2.GaussianBlur(depth, (5, 5), 0), 0, 1)


# Coarse DensePose-like part index per label (0 = background).
_DENSE_PARTS = {
    UPPER: 1,
    DRESS: 1,
    SCARF: 1,
    BELT: 1,
    BAG: 0,
    PANTS: 2,
    SKIRT: 2,
    RIGHT_ARM: 3,
    LEFT_ARM: 4,
    RIGHT_LEG: 5,
    LEFT_LEG: 6,
    RIGHT_SHOE: 7,
    LEFT_SHOE: 8,
    HEAD: 9,
    HAIR: 9,
    HAT: 9,
    SUNGLASSES: 9,
}


def render_dense(labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """A part-index map and (2, H, W) UV of part-relative coordinates in [0, 1]."""
    lut = np.zeros(256, np.uint8)
    for label, part in _DENSE_PARTS.items():
        lut[label] = part
    parts = lut[labels]
    uv = np.zeros((2, *labels.shape), np.float16)
    for part in np.unique(parts):
        if part == 0:
            continue
        ys, xs = np.nonzero(parts == part)
        uv[0, ys, xs] = (xs - xs.min()) / max(1, xs.max() - xs.min())
        uv[1, ys, xs] = (ys - ys.min()) / max(1, ys.max() - ys.min())
    return parts, uv


def keypoints_json(rng: np.random.Generator, pose: Pose) -> Dict[str, list]:
    """Dress Code's keypoint format: [x, y, score, id] per joint, missing joints at (-1, -1)."""
    rows = []
    for i in range(NUM_KEYPOINTS):
        if pose.visible[i]:
            x, y = (round(float(v), 2) for v in pose.joints[i])
            rows.append([x, y, round(float(rng.uniform(0.55, 0.97)), 3), i])
        else:
            rows.append([-1.0, -1.0, 0.0, i])
    return {'keypoints': rows}


# ------------------------------------------------------------------------------------------ writing
def _imwrite(path: str, rgb_or_gray: np.ndarray, params: Sequence[int] = ()) -> None:
    image = rgb_or_gray if rgb_or_gray.ndim == 2 else cv2.cvtColor(rgb_or_gray, cv2.COLOR_RGB2BGR)
    atomic_write_image(path, image, params)


def generate_sample(out_root: str, category: str, index: int, seed: int, size_hw: Tuple[int, int]) -> str:
    """Write every file of one sample; returns its 6-digit id."""
    rng = np.random.default_rng([seed, CATEGORIES.index(category), index])
    sample_id = f'{ID_OFFSETS[category] + index:06d}'
    root = osp.join(out_root, category)
    pose = sample_pose(rng)
    outfit = sample_outfit(rng, category)
    labels = paint_labels(size_hw, pose, outfit)
    jpeg = [cv2.IMWRITE_JPEG_QUALITY, 92]
    _imwrite(osp.join(root, 'images', f'{sample_id}_0.jpg'), render_photo(rng, labels), jpeg)
    _imwrite(osp.join(root, 'images', f'{sample_id}_1.jpg'), render_garment(rng, size_hw, outfit, category), jpeg)
    _imwrite(osp.join(root, 'label_maps', f'{sample_id}_4.png'), labels)
    _imwrite(osp.join(root, 'skeletons', f'{sample_id}_5.jpg'), render_skeleton(size_hw, pose), jpeg)
    depth = np.round(render_depth(rng, labels) * 65535).astype(np.uint16)
    _imwrite(osp.join(root, 'depth', f'{sample_id}_0.png'), depth)
    parts, uv = render_dense(labels)
    _imwrite(osp.join(root, 'dense', f'{sample_id}_5.png'), parts)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, uv=uv)
    atomic_write(osp.join(root, 'dense', f'{sample_id}_5_uv.npz'), buffer.getvalue())
    atomic_write(osp.join(root, 'keypoints', f'{sample_id}_2.json'), json.dumps(keypoints_json(rng, pose)))
    return sample_id


def write_pair_lists(out_root: str, category: str, ids: List[str], seed: int) -> None:
    """train_pairs.txt / test_pairs_paired.txt (first 80% / rest) and a shuffled test_pairs_unpaired.txt."""
    n_train = max(1, int(round(len(ids) * TRAIN_FRACTION))) if len(ids) > 1 else len(ids)
    train, test = ids[:n_train], ids[n_train:] or ids[-1:]
    rng = np.random.default_rng([seed, CATEGORIES.index(category), 10**6])
    garments = list(rng.permutation(test))
    lists = {
        'train_pairs.txt': [(i, i) for i in train],
        'test_pairs_paired.txt': [(i, i) for i in test],
        'test_pairs_unpaired.txt': list(zip(test, garments)),
    }
    for name, pairs in lists.items():
        text = ''.join(f'{model}_0.jpg {garment}_1.jpg\n' for model, garment in pairs)
        atomic_write(osp.join(out_root, category, name), text)


SUBFOLDERS = ('images', 'keypoints', 'label_maps', 'skeletons', 'dense', 'depth')


def make_dirs(out_root: str, categories: Sequence[str]) -> None:
    for category in categories:
        for sub in SUBFOLDERS:
            os.makedirs(osp.join(out_root, category, sub), exist_ok=True)
