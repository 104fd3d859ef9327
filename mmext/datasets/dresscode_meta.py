# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Dress Code facts: label set, label groupings, keypoint file frame (the COCO-18 format: mmext.structures).

Source: Morelli et al., "Dress Code: High-Resolution Multi-Category Virtual Try-On", ECCV 2022, and the data set's
repository (https://github.com/aimagelab/dress-code: its README and the loader data/dataset.py, which read the label
maps and the keypoint files in their frame).
"""

from typing import Dict, Tuple

from ..structures import COCO18_KEYPOINT_NAMES

CATEGORIES = ('dresses', 'upper_body', 'lower_body')

# The 18 classes of Dress Code's label maps (an ATR-trained human parser).
PARSING_CLASSES = (
    'background',
    'hat',
    'hair',
    'sunglasses',
    'upper_clothes',
    'skirt',
    'pants',
    'dress',
    'belt',
    'left_shoe',
    'right_shoe',
    'head',
    'left_leg',
    'right_leg',
    'left_arm',
    'right_arm',
    'bag',
    'scarf',
)
PARSING_PALETTE = [
    [0, 0, 0],
    [128, 0, 0],
    [254, 0, 0],
    [0, 85, 0],
    [169, 0, 51],
    [254, 85, 0],
    [0, 0, 85],
    [0, 119, 220],
    [85, 85, 0],
    [0, 85, 85],
    [85, 51, 0],
    [52, 86, 128],
    [0, 128, 0],
    [0, 0, 254],
    [51, 169, 220],
    [0, 254, 254],
    [85, 254, 169],
    [169, 254, 85],
]
# Label modes: name -> (classes, palette, {dress code label: new label}); labels not listed map to 0.
LABEL_MODES: Dict[str, Tuple[tuple, list, Dict[int, int]]] = {
    'parsing': (PARSING_CLASSES, PARSING_PALETTE, {i: i for i in range(len(PARSING_CLASSES))}),
    # The clothing4 grouping (as CCP's, mmext.datasets.clothing_meta): upper = upper_clothes; lower = skirt + pants;
    # whole = dress.
    'clothing4': (
        ('background', 'upper', 'lower', 'whole'),
        [[0, 0, 0], [220, 20, 60], [0, 80, 200], [250, 170, 30]],
        {4: 1, 5: 2, 6: 2, 7: 3},
    ),
    'person': (('background', 'person'), [[0, 0, 0], [220, 220, 220]], {i: 1 for i in range(1, len(PARSING_CLASSES))}),
}

NUM_KEYPOINTS = len(COCO18_KEYPOINT_NAMES)  # Dress Code's keypoints are OpenPose's COCO-18 joints
# Keypoints live in a 384 x 512 (W x H) frame whatever the photo size.
KEYPOINT_FRAME_WH = (384, 512)
