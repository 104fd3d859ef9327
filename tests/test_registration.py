# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""``import mmext`` only adds to the OpenMMLab registries: nothing of mmengine, mmseg or mmpose is replaced."""

import json
import subprocess
import sys
import textwrap

from conftest import REPO

# Runs in a fresh interpreter. On an mmcv without compiled ops mmseg's model packages import only with the mmcv.ops
# stand-in; it is installed here from mmext/compat.py (which imports nothing of mmext) without importing the mmext
# package, so that the registries can be filled by mmengine, mmseg and mmpose alone first.
SNAPSHOT_BEFORE_AND_AFTER = """
    import importlib, importlib.util, json, sys
    spec = importlib.util.spec_from_file_location('mmext.compat', 'mmext/compat.py')
    compat = importlib.util.module_from_spec(spec)
    sys.modules['mmext.compat'] = compat  # import mmext will find it here
    spec.loader.exec_module(compat)
    compat.install_mmcv_ops_fallback()

    import mmengine.registry
    import mmpose.registry
    import mmseg.registry
    from mmengine.registry import Registry

    def registries():
        found, todo = {}, [r for m in (mmengine.registry, mmseg.registry, mmpose.registry)
                           for r in vars(m).values() if isinstance(r, Registry)]
        while todo:
            registry = todo.pop()
            if id(registry) not in found:
                found[id(registry)] = registry
                todo.extend(registry.children.values())
        return list(found.values())

    unavailable = set()
    for _ in range(2):  # importing one registry's locations can create child registries
        for registry in registries():
            try:
                registry.import_from_location()
            except ImportError:  # e.g. mmpose.visualization needs pkg_resources
                unavailable.add(f'{registry.scope}.{registry.name}')

    def snapshot():
        return {r: dict(r.module_dict) for r in registries()}

    before = snapshot()
    import mmext  # noqa: F401
    after = snapshot()
    changed, added = [], {}
    for registry, entries in after.items():
        old = before.get(registry, {})
        where = f'{registry.scope}.{registry.name}'
        changed += [f'{where}: {name}' for name, obj in old.items() if entries.get(name) is not obj]
        changed += [f'{where}: {name} (removed)' for name in set(old) - set(entries)]
        for name in set(entries) - set(old):
            added[f'{where}: {name}'] = entries[name].__module__
    print(json.dumps(dict(changed=changed, added=added, unavailable=sorted(unavailable))))
"""


def test_import_mmext_only_adds_its_own_modules_to_the_registries():
    result = subprocess.run(
        [sys.executable, '-c', textwrap.dedent(SNAPSHOT_BEFORE_AND_AFTER)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['changed'] == []  # e.g. a force=True registration over mmseg's Resize would show here
    added = report['added']
    not_ours = {name: module for name, module in added.items() if not module.startswith('mmext.')}
    assert not not_ours
    for expected in (
        'mmseg.transform: DepthAwareResize',
        'mmseg.transform: LoadDepthMap',
        'mmseg.model: MultiTaskEncoderDecoder',
        'mmpose.KEYPOINT_CODECS: StridedMSRAHeatmap',
        'mmpose.KEYPOINT_CODECS: LimbMapCodec',
        'mmseg.metric: RelativeDepthMetric',
    ):
        assert expected in added, expected
    assert 'mmseg.transform: Resize' not in added
