# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Label sets and label modes of the clothing and portrait data sets: CCP, People Clothing, EasyPortrait.

Sources: Yang et al., "Clothing Co-Parsing by Joint Image Segmentation and Labeling", CVPR 2014, and the
``label_list.mat`` of its data set (https://github.com/bearpaw/clothing-co-parsing): the 59 labels; Kaggle's
"People Clothing Segmentation" is the same data as PNGs and shares them. Kvanchiani et al., "EasyPortrait -- Face
Parsing and Portrait Segmentation Dataset", arXiv:2304.13509 (https://github.com/hukenovs/easyportrait): 9 classes.
The groupings of the 59 labels (clothing4, fashion7, person) are defined below, label by label.

A label mode is ``name -> (classes, palette, {source label: new label})``; source labels not listed map
to 0 (background); a dataset's ``get_label_map()`` spells its mode out for every source label.
"""

import colorsys
from typing import Dict, List, Tuple

# CCP's 59 labels, index = value of the label maps (label_list.mat holds the same names in this order).
CCP_CLASSES = (
    'null',
    'accessories',
    'bag',
    'belt',
    'blazer',
    'blouse',
    'bodysuit',
    'boots',
    'bra',
    'bracelet',
    'cape',
    'cardigan',
    'clogs',
    'coat',
    'dress',
    'earrings',
    'flats',
    'glasses',
    'gloves',
    'hair',
    'hat',
    'heels',
    'hoodie',
    'intimate',
    'jacket',
    'jeans',
    'jumper',
    'leggings',
    'loafers',
    'necklace',
    'panties',
    'pants',
    'pumps',
    'purse',
    'ring',
    'romper',
    'sandals',
    'scarf',
    'shirt',
    'shoes',
    'shorts',
    'skin',
    'skirt',
    'sneakers',
    'socks',
    'stockings',
    'suit',
    'sunglasses',
    'sweater',
    'sweatshirt',
    'swimwear',
    't-shirt',
    'tie',
    'tights',
    'top',
    'vest',
    'wallet',
    'watch',
    'wedges',
)
NUM_CCP_LABELS = len(CCP_CLASSES)  # 59


def _distinct_palette(num: int) -> List[List[int]]:
    """``num`` well separated RGB colours (golden-angle hues, alternating lightness); colour 0 is black."""
    palette = [[0, 0, 0]]
    for i in range(1, num):
        hue = (i * 0.618033988749895) % 1.0
        lightness = (0.45, 0.6, 0.35)[i % 3]
        palette.append([round(c * 255) for c in colorsys.hls_to_rgb(hue, lightness, 0.8)])
    return palette


CCP_PALETTE = _distinct_palette(NUM_CCP_LABELS)

# The clothing4 grouping (upper-body, lower-body and whole-body garments), as the TopFormer-vs-U2Net clothing
# study grouped CCP's labels (docs/studies.md); kept exactly so, for comparable numbers. Romper (35) is
# background there, and so are shoes, accessories, hair and skin.
CLOTHING4_UPPER = (4, 5, 8, 11, 22, 24, 26, 38, 48, 49, 51, 54, 55)
CLOTHING4_LOWER = (25, 27, 30, 31, 40, 42, 45, 53)
CLOTHING4_WHOLE = (6, 13, 14, 23, 46, 50)

# The fashion7 classes (those of the fashion pixel study, docs/studies.md) from the CCP labels:
#   skin = skin (41); hair = hair (19); t-shirt = t-shirt (51);
#   shoes = boots 7, clogs 12, flats 16, heels 21, loafers 28, pumps 32, sandals 36, shoes 39, sneakers 43,
#           wedges 58 (all footwear; socks 44 are not shoes);
#   pants = jeans 25, pants 31, leggings 27 (shorts 40, tights 53 and stockings 45 are not);
#   dress = dress 14; every other label is background.
FASHION7_SHOES = (7, 12, 16, 21, 28, 32, 36, 39, 43, 58)
FASHION7_PANTS = (25, 31, 27)

CLOTHING4_CLASSES = ('background', 'upper', 'lower', 'whole')
CLOTHING4_PALETTE = [[0, 0, 0], [220, 20, 60], [0, 80, 200], [250, 170, 30]]
PERSON_CLASSES = ('background', 'person')
PERSON_PALETTE = [[0, 0, 0], [220, 220, 220]]
FASHION7_CLASSES = ('background', 'skin', 'hair', 't-shirt', 'shoes', 'pants', 'dress')
FASHION7_PALETTE = [
    [0, 0, 0],
    [255, 204, 153],
    [102, 51, 0],
    [220, 20, 60],
    [128, 128, 0],
    [0, 80, 200],
    [250, 170, 30],
]


def _grouping(*groups) -> Dict[int, int]:
    """{label: group index (1-based)} for tuples of labels, one tuple per group."""
    mapping = {}
    for new_label, labels in enumerate(groups, 1):
        for label in labels:
            if label in mapping:
                raise ValueError(f'label {label} is in two groups')
            mapping[label] = new_label
    return mapping


# Label modes of the 59-label set (CCP and Kaggle People Clothing).
LABEL_MODES: Dict[str, Tuple[tuple, list, Dict[int, int]]] = {
    'native': (CCP_CLASSES, CCP_PALETTE, {i: i for i in range(NUM_CCP_LABELS)}),
    'clothing4': (CLOTHING4_CLASSES, CLOTHING4_PALETTE, _grouping(CLOTHING4_UPPER, CLOTHING4_LOWER, CLOTHING4_WHOLE)),
    'person': (PERSON_CLASSES, PERSON_PALETTE, {i: 1 for i in range(1, NUM_CCP_LABELS)}),
    'fashion7': (
        FASHION7_CLASSES,
        FASHION7_PALETTE,
        _grouping((41,), (19,), (51,), FASHION7_SHOES, FASHION7_PANTS, (14,)),
    ),
}

# EasyPortrait: 9 classes; person / background is value > 0.
EASYPORTRAIT_CLASSES = (
    'background',
    'person',
    'skin',
    'left_brow',
    'right_brow',
    'left_eye',
    'right_eye',
    'lips',
    'teeth',
)
NUM_EASYPORTRAIT_LABELS = len(EASYPORTRAIT_CLASSES)  # 9
EASYPORTRAIT_PALETTE = [
    [0, 0, 0],
    [223, 87, 188],
    [160, 221, 255],
    [130, 106, 237],
    [200, 121, 255],
    [255, 183, 255],
    [0, 144, 193],
    [113, 137, 255],
    [230, 232, 230],
]
EASYPORTRAIT_LABEL_MODES: Dict[str, Tuple[tuple, list, Dict[int, int]]] = {
    'native': (EASYPORTRAIT_CLASSES, EASYPORTRAIT_PALETTE, {i: i for i in range(NUM_EASYPORTRAIT_LABELS)}),
    'person': (PERSON_CLASSES, PERSON_PALETTE, {i: 1 for i in range(1, NUM_EASYPORTRAIT_LABELS)}),
}
