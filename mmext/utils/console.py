"""A console that shows a newcomer what matters: progress, results, warnings -- not the config dump.

mmengine logs the system environment, the whole config, the hook order and every parameter's
initialisation at INFO level to the console and the log file alike: several hundred lines before the first
iteration. :class:`QuietConsole` wraps ``sys.stdout`` while a tool builds and runs the Runner and drops
exactly those blocks from the console; the log file in the work dir keeps everything.
"""
import io
from typing import TextIO

# Multi-line log records that belong in the log file only.
FILE_ONLY_MARKERS = ('System environment:', 'Config:\n', 'Hooks will be executed in the following order',
                     'Initialization information', 'initialized by user-defined `init_weights`',
                     'paramwise_options -- ')


class QuietConsole(io.TextIOBase):
    """A stand-in for ``sys.stdout`` that drops log records carrying :data:`FILE_ONLY_MARKERS`.

    A logging handler writes one record per ``write`` call, so records are filtered whole.
    """

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.dropped = 0

    def write(self, text: str) -> int:
        if any(marker in text for marker in FILE_ONLY_MARKERS):
            self.dropped += 1
            return len(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()
