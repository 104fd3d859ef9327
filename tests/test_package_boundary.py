# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""One boundary between the package and the rest of the repository.

The package ``mmext`` imports nothing from ``tools/`` or ``projects/``, reads nothing from ``../shared`` and does
not walk up from its own files to the repository folder: a tool passes whatever folder it means (the official code
of a peer, its training script, its own repository for the code version of a result file). The other way, the
scripts under ``tools/`` and ``projects/`` and the tests import the installed package and nothing else of the
repository by name: none of them edits ``sys.path`` (a tool or test that needs another tool's module loads it from
its file, ``importlib.util.spec_from_file_location``).
"""

import ast
import re
from pathlib import Path
from typing import Iterator, List

import pytest
from conftest import REPO

OUTSIDE_PACKAGES = ('tools', 'projects')
SYS_PATH_METHODS = ('insert', 'append', 'extend', 'remove', 'pop', 'clear', '__setitem__')
SHARED_PATH = re.compile(r'^(\.\./)+shared(/\S*)?$')  # '../shared', '../shared/peers', '../../shared'


def dotted(node: ast.AST) -> str:
    """'osp.path.dirname' for an attribute chain of names, '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f'{base}.{node.attr}' if base else ''
    return ''


def mentions_own_file(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == '__file__' for n in ast.walk(node))


def levels_up(node: ast.AST) -> int:
    """How many folders ``node`` climbs from ``__file__``: nested ``dirname`` calls, ``Path.parent`` chains,
    ``parents[k]`` and ``'..'`` joined on; 0 when it does not start from ``__file__``."""
    if isinstance(node, ast.Call):
        name = dotted(node.func).rsplit('.', 1)[-1]
        if name == 'dirname' and node.args:
            inner = levels_up(node.args[0])
            return inner + 1 if inner or mentions_own_file(node.args[0]) else 0
        if name in ('join', 'joinpath') and node.args:
            ups = sum(isinstance(a, ast.Constant) and a.value == '..' for a in node.args)
            base = node.args[0] if name == 'join' else node.func.value
            return levels_up(base) + ups if mentions_own_file(base) else 0
        if name in ('abspath', 'realpath', 'normpath', 'resolve', 'Path') and mentions_own_file(node):
            args = node.args or ([node.func.value] if isinstance(node.func, ast.Attribute) else [])
            return max((levels_up(a) for a in args), default=0)
    if isinstance(node, ast.Attribute) and node.attr == 'parent' and mentions_own_file(node.value):
        return levels_up(node.value) + 1
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == 'parents'
        and mentions_own_file(node.value)
        and isinstance(node.slice, ast.Constant)
    ):
        return levels_up(node.value.value) + node.slice.value + 1
    return 0


def package_violations(path: Path, source: str) -> Iterator[str]:
    """What in one file of the package reaches outside it: imports of tools / projects, ../shared paths, a walk
    from ``__file__`` up to the repository folder."""
    tree = ast.parse(source, str(path))
    depth = len(path.relative_to(REPO).parts) - 1  # mmext/utils/machine.py: 2 folders up is the package root
    where = path.relative_to(REPO).as_posix()
    for node in ast.walk(tree):
        line = getattr(node, 'lineno', 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] in OUTSIDE_PACKAGES:
                    yield f'{where}:{line}: imports {alias.name}'
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or '').split('.')[0] in OUTSIDE_PACKAGES:
                yield f'{where}:{line}: imports from {node.module}'
        elif isinstance(node, ast.Call):
            name = dotted(node.func).rsplit('.', 1)[-1]
            first = node.args[0] if node.args else None
            if (
                name in ('import_module', '__import__')
                and isinstance(first, ast.Constant)
                and str(first.value).split('.')[0] in OUTSIDE_PACKAGES
            ):
                yield f'{where}:{line}: imports {first.value}'
            if name in ('join', 'joinpath', 'Path', 'PurePath') and any(
                isinstance(a, ast.Constant)
                and isinstance(a.value, str)
                and (a.value.strip('/') == 'shared' or a.value.startswith('shared/'))
                for a in node.args
            ):
                yield f'{where}:{line}: joins a path with shared'
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            if isinstance(node.right, ast.Constant) and str(node.right.value).strip('/') == 'shared':
                yield f'{where}:{line}: joins a path with shared'
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SHARED_PATH.match(node.value):
            yield f'{where}:{line}: names the path {node.value!r}'
        if isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)) and levels_up(node) > depth:
            yield f'{where}:{line}: climbs {levels_up(node)} folders from __file__, out of the package'


def sys_path_edits(path: Path, source: str) -> Iterator[str]:
    """Every edit of ``sys.path`` in one file: a method call that changes it, an assignment to it or to an item
    or slice of it, ``+=``, ``site.addsitedir``."""
    tree = ast.parse(source, str(path))
    where = path.relative_to(REPO).as_posix()

    def is_sys_path(node) -> bool:
        return dotted(node) == 'sys.path' or (isinstance(node, ast.Subscript) and dotted(node.value) == 'sys.path')

    for node in ast.walk(tree):
        line = getattr(node, 'lineno', 0)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SYS_PATH_METHODS and dotted(node.func.value) == 'sys.path':
                yield f'{where}:{line}: sys.path.{node.func.attr}(...)'
            if dotted(node.func) == 'site.addsitedir':
                yield f'{where}:{line}: site.addsitedir(...)'
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(is_sys_path(t) for t in targets):
                yield f'{where}:{line}: assigns to sys.path'


def python_files(*folders: str) -> List[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob('*.py'))


PACKAGE_FILES = python_files('mmext')
SCRIPT_FILES = python_files('tools', 'projects', 'tests')


def test_the_scans_cover_the_files():
    assert len(PACKAGE_FILES) > 50 and REPO / 'mmext' / 'utils' / 'machine.py' in PACKAGE_FILES
    assert REPO / 'tests' / 'conftest.py' in SCRIPT_FILES
    assert REPO / 'tools' / 'dataset_converters' / 'imaterialist.py' in SCRIPT_FILES
    assert any(p.parts[-3] == 'projects' for p in SCRIPT_FILES)


def test_the_package_reaches_nothing_outside_it():
    found = [v for path in PACKAGE_FILES for v in package_violations(path, path.read_text())]
    assert not found, '\n'.join(found)


def test_no_tool_project_script_or_test_edits_sys_path():
    found = [v for path in SCRIPT_FILES for v in sys_path_edits(path, path.read_text())]
    assert not found, '\n'.join(found)


# What the scans must catch (each of these stood in the code once), and what they must let pass.
PACKAGE_CASES = [
    ('REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))', True),
    ("ROOT = Path(__file__).resolve().parents[2]", True),
    ("ROOT = Path(__file__).parent.parent.parent", True),
    ("ROOT = osp.join(osp.dirname(__file__), '..', '..')", True),
    ("PEERS = osp.join(REPO, '..', 'shared', 'peers')", True),
    ("PEERS = '../shared/peers'", True),
    ("PEERS = Path(root) / 'shared'", True),
    ('from tools.dataset_converters.ccp import split_stems', True),
    ('import projects.speed.run_speed_table', True),
    ("importlib.import_module('tools.train')", True),
    ('HERE = osp.dirname(osp.abspath(__file__))', False),
    ("WEIGHTS = osp.join(osp.dirname(mp.__file__), 'modules')", False),
    ("HINT = 'convert it: python tools/dataset_converters/ccp.py --src ../shared/data/ccp --out data/ccp'", False),
    ('from .clothing import LABELS_DIR', False),
]


@pytest.mark.parametrize('source, bad', PACKAGE_CASES)
def test_the_package_scan_catches_what_reaches_out(source, bad):
    path = REPO / 'mmext' / 'utils' / 'example.py'
    assert bool(list(package_violations(path, source))) == bad


SCRIPT_CASES = [
    ('sys.path.insert(0, osp.dirname(osp.abspath(__file__)))', True),
    ("sys.path.append(str(REPO / 'tools' / 'misc'))", True),
    ('sys.path[:0] = [HERE]', True),
    ('sys.path = [HERE] + sys.path', True),
    ('sys.path += [HERE]', True),
    ('site.addsitedir(HERE)', True),
    ('print(sys.path)', False),
    ("env = dict(os.environ, PYTHONPATH='site')", False),
    ("spec = importlib.util.spec_from_file_location('web_demo', REPO / 'tools/demo/web_demo.py')", False),
]


@pytest.mark.parametrize('source, bad', SCRIPT_CASES)
def test_the_sys_path_scan_catches_every_kind_of_edit(source, bad):
    assert bool(list(sys_path_edits(REPO / 'tools' / 'example.py', source))) == bad
