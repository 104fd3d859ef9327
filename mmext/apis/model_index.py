# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Models by name: an OpenMMLab-style model index (``model-index.yml`` listing ``metafile.yml`` files).

Each metafile lists models as mmsegmentation's do::

    Models:
    - Name: effnet-lite0-person-256x160
      Config: projects/fast_person_segmentation/configs/effnet-lite0-s16_segformer-64_ccp-person-256x160.py
      Weights: work_dirs/person/effnet-lite0-s16_segformer-64_ccp-person-256x160/iter_2000.pth
      Training: python tools/train.py <Config> --work-dir <the Weights folder>
      Results: ...

Paths are relative to the folder of ``model-index.yml``. Weights are local files (nothing is downloaded): the
``Training`` command writes them. The tools pass the index's path, so the package does not assume a layout.
"""

import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional

import yaml


@dataclass(frozen=True)
class IndexedModel:
    """One model of the index: absolute config and weight paths, and how to produce the weights."""

    name: str
    config: str
    weights: Optional[str]
    training: Optional[str]

    def missing_weights_message(self) -> str:
        how = f' Train them with: {self.training}' if self.training else ''
        return f'the weights of model {self.name!r} ({self.weights}) do not exist.{how}'


def load_model_index(index_file: str) -> Dict[str, IndexedModel]:
    """Every model of the metafiles that ``index_file`` imports, by name.

    Raises:
        FileNotFoundError: the index or a metafile it names is missing.
        ValueError: a model without Name or Config, or a name listed twice.
    """
    if not osp.isfile(index_file):
        raise FileNotFoundError(f'model index {index_file} not found')
    root = osp.dirname(osp.abspath(index_file))
    with open(index_file) as f:
        index = yaml.safe_load(f) or {}
    models: Dict[str, IndexedModel] = {}
    for relative in index.get('Import', []):
        metafile = osp.join(root, relative)
        if not osp.isfile(metafile):
            raise FileNotFoundError(f'{index_file} imports {relative}, which does not exist')
        with open(metafile) as f:
            entries = (yaml.safe_load(f) or {}).get('Models', [])
        for entry in entries:
            name, config = entry.get('Name'), entry.get('Config')
            if not name or not config:
                raise ValueError(f'{metafile}: every model needs a Name and a Config, got {entry}')
            if name in models:
                raise ValueError(f'{metafile}: model name {name!r} is listed twice')
            weights = entry.get('Weights')
            models[name] = IndexedModel(
                name, osp.join(root, config), weights and osp.join(root, weights), entry.get('Training')
            )
    return models


def resolve_model(name_or_config: str, index_file: str) -> Optional[IndexedModel]:
    """The indexed model called ``name_or_config``, or None when it is a config path (an existing file or a
    ``.py`` name). An unknown name raises KeyError listing the known ones."""
    if osp.isfile(name_or_config) or name_or_config.endswith('.py'):
        return None
    models = load_model_index(index_file)
    if name_or_config not in models:
        raise KeyError(
            f'{name_or_config!r} is neither a config file nor a model name of {index_file} '
            f'(known: {", ".join(sorted(models))})'
        )
    return models[name_or_config]
