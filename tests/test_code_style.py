# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The formatting rules of pyproject.toml (ruff: pycodestyle, pyflakes, import order, ruff-format at 120
columns) hold, and every Python file outside the configs carries the licence header."""

import subprocess
import sys

import pytest
from conftest import REPO

HEADER = '# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).'
ROOTS = ('mmext', 'tools', 'tests', 'projects')


def python_files():
    for root in ROOTS:
        for path in sorted((REPO / root).rglob('*.py')):
            if 'configs' not in path.relative_to(REPO).parts:
                yield path


def test_every_python_file_outside_the_configs_starts_with_the_licence_header():
    missing = []
    for path in python_files():
        lines = path.read_text().splitlines()
        first = lines[1] if lines and lines[0].startswith('#!') else (lines[0] if lines else '')
        if first != HEADER:
            missing.append(str(path.relative_to(REPO)))
    assert not missing, f'no licence header in: {missing}'


@pytest.mark.parametrize('command', [['check'], ['format', '--check']], ids=['lint', 'format'])
def test_ruff_passes_with_the_projects_settings(command):
    result = subprocess.run(
        [sys.executable, '-m', 'ruff', *command, 'mmext', 'tools', 'tests', 'configs', 'projects'],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
