# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Progress reports that suit where the output goes: a tqdm bar on a terminal, plain lines in a log file.

A tqdm bar redraws itself with carriage returns several times a second; written to a file (``tool 2> log``,
a Slurm job's output, a campaign's log) that becomes one enormous line. :func:`progress` returns a tqdm bar
when the stream is a terminal and otherwise a :class:`PlainProgress`, which writes one ordinary line now and
then (``desc: 120/804 img (15 %), 14.2 s, 8.4 img/s``) and a last one when it is done. Both are iterable
wrappers and counters with ``update`` / ``close``, usable as context managers; :func:`write` prints a message
without breaking a bar.

The module itself imports only the standard library (tqdm when a terminal asks for a bar); as any
``mmext`` module it is reached through the package, so tools import it after parsing their arguments.
"""

import os
import sys
import time
from typing import Iterable, Iterator, Optional, TextIO

# Seconds between two plain progress lines (MMEXT_PROGRESS_INTERVAL overrides it).
DEFAULT_INTERVAL = 30.0


def is_terminal(stream: Optional[TextIO]) -> bool:
    """Whether ``stream`` is an interactive terminal (False for files, pipes and streams without ``isatty``)."""
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class PlainProgress:
    """A progress counter that writes a plain line at most every ``interval`` seconds, and one at the end.

    No carriage returns, no terminal control: each report is a complete line, so a log file stays readable.
    """

    def __init__(
        self,
        iterable: Optional[Iterable] = None,
        total: Optional[int] = None,
        desc: Optional[str] = None,
        unit: str = 'it',
        file: Optional[TextIO] = None,
        interval: Optional[float] = None,
    ):
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, '__len__'):
            total = len(iterable)
        self.total = total
        self.desc = desc or 'progress'
        self.unit = unit
        self.file = file
        if interval is None:
            interval = float(os.environ.get('MMEXT_PROGRESS_INTERVAL', DEFAULT_INTERVAL))
        self.interval = interval
        self.n = 0
        self.start = time.monotonic()
        self.last_report = self.start
        self.closed = False

    def _stream(self) -> TextIO:
        return self.file if self.file is not None else sys.stderr

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        done = f'{self.n}/{self.total}' if self.total else str(self.n)
        share = f' ({100 * self.n / self.total:.0f} %)' if self.total else ''
        rate = f', {self.n / elapsed:.1f} {self.unit}/s' if elapsed > 0 and self.n else ''
        return f'{self.desc}: {done} {self.unit}{share}, {elapsed:.1f} s{rate}'

    def _report(self) -> None:
        stream = self._stream()
        print(self.line(), file=stream, flush=True)
        self.last_report = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.n += n
        if time.monotonic() - self.last_report >= self.interval:
            self._report()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._report()

    def __iter__(self) -> Iterator:
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self) -> 'PlainProgress':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def write(message: str, file: Optional[TextIO] = None) -> None:
        print(message, file=file if file is not None else sys.stdout, flush=True)


def progress(
    iterable: Optional[Iterable] = None,
    *,
    total: Optional[int] = None,
    desc: Optional[str] = None,
    unit: str = 'it',
    file: Optional[TextIO] = None,
    interval: Optional[float] = None,
):
    """A tqdm bar over ``iterable`` (or counting to ``total``) on a terminal, else a :class:`PlainProgress`.

    ``file`` is the stream the reports go to (default ``sys.stderr``, as tqdm's); ``interval`` the seconds
    between plain lines (default :data:`DEFAULT_INTERVAL`, or the environment's ``MMEXT_PROGRESS_INTERVAL``).
    """
    stream = file if file is not None else sys.stderr
    if is_terminal(stream):
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, file=stream)
    return PlainProgress(iterable, total=total, desc=desc, unit=unit, file=stream, interval=interval)


def write(message: str, file: Optional[TextIO] = None) -> None:
    """Print ``message`` as a line of its own, without breaking a tqdm bar that is being drawn."""
    stream = file if file is not None else sys.stdout
    if is_terminal(stream) or is_terminal(sys.stderr):
        from tqdm import tqdm

        tqdm.write(message, file=stream)
    else:
        print(message, file=stream, flush=True)
