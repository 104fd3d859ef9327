# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Models by name (model-index.yml -> metafiles): every entry points at files that exist; names resolve."""

import os.path as osp

import pytest
import yaml
from conftest import REPO, run_tool

from mmext.apis.model_index import load_model_index, resolve_model

INDEX = str(REPO / 'model-index.yml')


def test_every_indexed_model_names_an_existing_config_and_result_file():
    models = load_model_index(INDEX)
    assert 'effnet-lite0-person-256x160' in models
    for name, model in models.items():
        assert osp.isfile(model.config), name
        assert model.weights and model.weights.startswith(str(REPO / 'work_dirs')), name  # local, never a URL
        assert model.training and 'tools/train.py' in model.training, name
    with open(INDEX) as f:
        metafiles = yaml.safe_load(f)['Import']
    for metafile in metafiles:
        with open(REPO / metafile) as f:
            for entry in yaml.safe_load(f)['Models']:
                for result in entry.get('Results', []):
                    assert (REPO / result['File']).is_file(), (entry['Name'], result['File'])


def test_names_resolve_and_config_paths_pass_through(tmp_path):
    assert resolve_model(str(REPO / 'configs/topformer_pose_aux.py'), INDEX) is None
    assert resolve_model('any/config.py', INDEX) is None
    model = resolve_model('effnet-lite0-person-256x160', INDEX)
    assert model.config.endswith('effnet-lite0-s16_segformer-64_ccp-person-256x160.py')
    with pytest.raises(KeyError, match='effnet-lite0-person-256x160'):  # the error lists the known names
        resolve_model('no-such-model', INDEX)
    index = tmp_path / 'model-index.yml'
    index.write_text('Import:\n- a/metafile.yml\n')
    with pytest.raises(FileNotFoundError, match='a/metafile.yml'):
        load_model_index(str(index))
    (tmp_path / 'a').mkdir()
    (tmp_path / 'a' / 'metafile.yml').write_text('Models:\n- Name: x\n  Config: c.py\n- Name: x\n  Config: d.py\n')
    with pytest.raises(ValueError, match='listed twice'):
        load_model_index(str(index))


def test_infer_takes_a_model_name_and_says_how_to_train_missing_weights(tmp_path):
    missing = [model for model in load_model_index(INDEX).values() if not osp.isfile(model.weights)]
    if not missing:
        pytest.skip('every indexed model is trained in this checkout')
    result = run_tool(['tools/infer.py', missing[0].name, 'default', 'photo.jpg', '--out', str(tmp_path)], check=False)
    assert result.returncode == 2 and f'Train them with: {missing[0].training}' in result.stderr
    listed = run_tool(['tools/infer.py', '--list-models'])
    assert all(name in listed.stdout for name in load_model_index(INDEX))
