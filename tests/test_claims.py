# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""tools/misc/check_claims.py: every measured number of the checked READMEs is in a committed result file, and the
checker's matching rules on small made-up files."""

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO

TOOL = 'tools/misc/check_claims.py'
# The Markdown files that pass today, by name (a new file joins once it passes).
CHECKED = [
    'README.md',
    'projects/ccp_pose_aux/README.md',
    'projects/clothing_topformer_vs_u2net/README.md',
    'projects/dresscode_pose_aux/README.md',
    'projects/fashion_pixel/README.md',
    'projects/fast_person_segmentation/README.md',
    'projects/imaterialist_instances/README.md',
    'projects/speed/README.md',
    'docs/architecture.md',
    'docs/bad_data.md',
    'docs/cluster.md',
    'docs/data.md',
    'docs/deployment.md',
    'docs/depth.md',
    'docs/fault_tolerance.md',
    'docs/get_started.md',
    'docs/models.md',
    'docs/pose_multitask.md',
    'docs/studies.md',
    'docs/train_test.md',
]


def run_check(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, str(REPO / TOOL), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_checked_readmes_state_only_numbers_a_result_file_holds():
    result = run_check(*CHECKED)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


def test_the_allowlist_gives_a_reason_for_every_entry():
    entries = [
        line
        for line in (REPO / 'tools/misc/claims_allowlist.txt').read_text().splitlines()
        if line.strip() and not line.startswith('#')
    ]
    assert 5 <= len(entries) <= 30
    assert all('  ## ' in line and line.split('  ## ', 1)[1].strip() for line in entries)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / 'results').mkdir()
    (tmp_path / 'results' / 'run.json').write_text(
        json.dumps(
            dict(
                iou=91.8412,
                params=3034662,
                share=0.977,
                latency_ms=3.24,
                gflops=1.23,
                params_b=3717890,
                seconds=420.0,
                fast_ms=3.66,
                slow_ms=5.13,
                per_image=list(range(100, 200)),
                commit='a866501feed',
            )
        )
    )
    (tmp_path / 'allow.txt').write_text('\\bbatch\\s+\\d+  ## a setting of the run\n')
    return tmp_path


def write_readme(root, text):
    (root / 'README.md').write_text(textwrap.dedent(text))


def check_tree(root, *extra):
    return run_check(
        'README.md',
        '--root',
        str(root),
        '--results',
        'results/*.json',
        '--allowlist',
        str(root / 'allow.txt'),
        *extra,
        cwd=root,
    )


def test_numbers_match_at_the_precision_written(tree):
    write_readme(
        tree,
        '''\
        # Results

        Person IoU 91.84 at 3.24 ms per photo, 3,034,662 parameters (3.72 M for the other model).
        Pixels agreeing: 97.7 % of them; the run took 7 min and 1.2 GFLOPs per image.

        | model | IoU | latency (ms) |
        |---|---|---|
        | ours | 91.8 | 3.2 |
        ''',
    )
    result = check_tree(tree)
    assert result.returncode == 0, result.stdout
    assert '0 of 9 numbers' in result.stdout


def test_unbacked_numbers_are_reported_with_file_line_and_sentence(tree):
    write_readme(
        tree,
        '''\
        Intro line without numbers.

        The model reaches person IoU 91.85 in 12.5 ms.
        Settings: `iter_8000.pth` and batch 16 (IoU), see [the files](results/run.json).

        | model | IoU |
        |---|---|
        | ours | 77.7 |
        ''',
    )
    result = check_tree(tree)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert 'README.md:3: 91.85  "The model reaches person IoU 91.85 in 12.5 ms."' in lines
    assert any(line.startswith('README.md:3: 12.5 ms') for line in lines)
    assert any(line.startswith('README.md:8: 77.7  "| ours | 77.7 |"') for line in lines)
    # code spans, link targets, raw data lists, hashes and allow-listed settings are not claims or not backing
    assert '8000' not in result.stdout and ': 16 ' not in result.stdout
    assert '3 of 4 numbers' in result.stdout


def test_raw_lists_and_single_word_strings_back_nothing(tree):
    write_readme(tree, 'Per-image IoU 150 and commit 866501 took 5 ms.\n')
    result = check_tree(tree)
    assert result.returncode == 1 and 'README.md:1: 150 ' in result.stdout and 'README.md:1: 866501 ' in result.stdout


def test_ratios_and_differences_may_come_from_their_sentence(tree):
    write_readme(
        tree,
        'INT8 is x1.40 faster (3.66 vs 5.13 ms) and gains +1.47 IoU (3.66 vs 5.13).\nThe other path is x2.50 faster.\n',
    )
    result = check_tree(tree)
    assert result.returncode == 1
    flagged = [line.split('  "')[0] for line in result.stdout.splitlines() if line.startswith('README.md:')]
    assert flagged == ['README.md:2: 2.50']


def test_summary_and_help(tree):
    write_readme(tree, 'IoU 91.84.\n')
    result = check_tree(tree, '--summary')
    assert result.returncode == 0 and result.stdout.splitlines()[0].split() == ['0', 'README.md']
    help_text = run_check('--help').stdout
    assert 'usage:' in help_text and 'allow-list' in help_text
