# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""mmext.utils.progress: a tqdm bar on a terminal, occasional plain lines (no carriage returns) elsewhere."""

import io
import os
import subprocess
import sys

from conftest import REPO

from mmext.utils.progress import PlainProgress, is_terminal, progress, write


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_a_file_gets_plain_lines_and_a_last_line():
    stream = io.StringIO()
    items = list(progress(range(5), desc='resize', unit='file', file=stream, interval=0))
    assert items == [0, 1, 2, 3, 4]
    text = stream.getvalue()
    assert '\r' not in text
    lines = text.splitlines()
    assert len(lines) == 6  # one per item at interval 0, and the closing one
    assert lines[-1].startswith('resize: 5/5 file (100 %), ') and 'file/s' in lines[-1]


def test_lines_are_occasional():
    stream = io.StringIO()
    with progress(total=1000, desc='depth', unit='img', file=stream, interval=3600) as bar:
        for _ in range(1000):
            bar.update(1)
    assert stream.getvalue().splitlines() == [stream.getvalue().splitlines()[-1]]  # only the final line
    assert stream.getvalue().startswith('depth: 1000/1000 img (100 %)')


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv('MMEXT_PROGRESS_INTERVAL', '7.5')
    assert PlainProgress(total=3, file=io.StringIO()).interval == 7.5


def test_unknown_totals_and_closing_twice():
    stream = io.StringIO()
    bar = progress(iter(range(3)), desc='rows', unit='row', file=stream, interval=3600)
    assert list(bar) == [0, 1, 2]
    bar.close()
    assert stream.getvalue().splitlines() == [stream.getvalue().splitlines()[0]]
    assert stream.getvalue().startswith('rows: 3 row, ')


def test_a_terminal_gets_a_tqdm_bar():
    from tqdm import tqdm

    stream = FakeTerminal()
    assert is_terminal(stream) and not is_terminal(io.StringIO()) and not is_terminal(None)
    bar = progress(range(3), desc='pose', unit='img', file=stream)
    assert isinstance(bar, tqdm)
    assert list(bar) == [0, 1, 2]
    assert '\r' in stream.getvalue()


def test_write_prints_a_plain_line_to_a_file():
    stream = io.StringIO()
    write('bad: 0001.mat: unreadable -- skipped', file=stream)
    assert stream.getvalue() == 'bad: 0001.mat: unreadable -- skipped\n'


def test_a_converter_logged_to_a_file_writes_no_carriage_returns(tmp_path):
    """resize_tree.py with stderr to a file, as in a campaign log."""
    import cv2
    import numpy as np

    src = tmp_path / 'src'
    for folder in ('photos', 'labels', 'splits'):
        (src / folder).mkdir(parents=True)
    for i in range(3):
        cv2.imwrite(str(src / 'photos' / f'000{i}.jpg'), np.full((40, 30, 3), 90 + i, np.uint8))
        cv2.imwrite(str(src / 'labels' / f'000{i}.png'), np.zeros((40, 30), np.uint8))
    (src / 'splits' / 'train.txt').write_text('0000\n0001\n0002\n')
    (src / 'label_list.txt').write_text('background\n')
    (src / 'conversion.json').write_text('{}')
    log = tmp_path / 'log.txt'
    with open(log, 'w') as stderr:
        result = subprocess.run(
            [
                sys.executable,
                'tools/dataset_converters/resize_tree.py',
                '--src',
                str(src),
                '--out',
                str(tmp_path / 'out'),
                '--height',
                '20',
            ],
            cwd=REPO,
            stderr=stderr,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, OMP_NUM_THREADS='1'),
        )
    assert result.returncode == 0
    text = log.read_text()
    assert '\r' not in text and 'resize: 6/6 file (100 %)' in text
    assert (tmp_path / 'out' / 'photos' / '0000.jpg').is_file()
