#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Check that every measured number the documentation states is backed by a committed result file.

Reads Markdown files (default: README.md, projects/*/README.md, docs/*.md) and collects the numbers of

  * Markdown tables: every body cell of a table whose header or row holds a measured quantity, and
  * measured sentences: prose sentences with a number and a unit (ms, s, min, %, MB, GB, GFLOPs, M for millions
    of parameters), an x-ratio (x1.47, 3.6x), a difference in scientific notation, or a metric or cost word
    (IoU, mIoU, PCK, GFLOPs, parameters, latency, faster, slower, speed-up, |diff|).

Each number is looked up in the committed result files (tracked JSON / CSV / MD / TXT files in results* and
runs* folders, results_*.json files, docs/first_hour/*) at the precision it is written with: 91.84 matches
91.8412 and 91.835; 3,034,662 matches 3034662; 97.7 % matches 0.977 (and "42 % more" the ratio 1.42); 3.72 M
matches 3,717,890; 7 min matches 420 s; "about 40 ms" anything within 10 %; signs are ignored. A signed
difference or an x-ratio is also accepted when it is the difference or ratio of two other numbers of its
sentence ("x1.40 faster (3.66 vs 5.13 ms)") or table (a change column). A number found nowhere is reported
with its file:line and sentence or row; the exit status is then 1.

Where the numbers are looked up: a project's README in its own project's result files, and every file in the
result files it names (paths and file names, {a,b} expanded; a named folder: all result files in it);
README.md also in docs/first_hour/. Raw data are skipped: JSON lists of more than 16 numbers (per-image counts,
learning curves), digits inside single-word strings (commit hashes, paths) and training-log iteration lines.
A match says that a file in scope holds the number at the written precision, not that it is the right one: a
number with one decimal or none can match by chance where many results lie in its range. The check finds
numbers with no file behind them; which file backs a number is for the text to say.

Not claims, by rule: numbers in code (``` blocks and `spans`), link targets, headings and HTML comments; parts
of names (TopFormer-B0, COCO-18, clothing4_8k, PCK@0.1, x86_64) and compound adjectives (64-channel, 16-bit);
version numbers with two dots (0.10.14); years. Definitions -- config hyper-parameters, sizes of the input,
tolerances, versions, numbers published by others and quoted as such -- are accepted by the allow-list
(tools/misc/claims_allowlist.txt): each entry is a regular expression searched in the sentence or table row,
and a number inside one of its matches is accepted for the reason the entry gives (--show-allowed lists them).

Examples:
    python tools/misc/check_claims.py                                  # every README and docs/*.md
    python tools/misc/check_claims.py projects/speed/README.md 'docs/*.md'
    python tools/misc/check_claims.py --summary                        # flagged numbers per file only
    python tools/misc/check_claims.py --list-sources                   # the result files of each Markdown file
"""

import argparse
import bisect
import csv
import fnmatch
import glob
import io
import json
import os
import os.path as osp
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_DOCS = ('README.md', 'projects/*/README.md', 'docs/*.md')
DEFAULT_ALLOWLIST = osp.join('tools', 'misc', 'claims_allowlist.txt')
RESULT_SUFFIXES = ('.json', '.csv', '.md', '.txt')
RAW_LIST = 16  # a JSON list of more scalars than this is raw data, not a quotable result
LOG_LINE = re.compile(r'Iter\((?:train|val|test)\)')

# A number as written in prose: optional sign, thousands separators, decimals, exponent. Not a number: digits
# glued to a word (clothing4, x86_64, seed0, B0), after a letter and a hyphen (COCO-18, ResNet-50), after '@'
# (PCK@0.1), '/' or '.', and a version with two dots (matched as a whole first, then skipped). An 'x' right
# before the number marks a ratio (x1.47).
NUMBER = re.compile(
    r'(?:(?<![\w.@/\\])|(?<=\bx)|(?<=\b×))(?<![A-Za-z_]-)'
    r'(?P<version>\d+(?:\.\d+){2,})?'
    r'(?(version)|(?P<sign>[-+−])?(?P<body>\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?P<frac>\.\d+)?(?P<exp>[eE][-+]?\d+)?)'
    r'(?![\d.]\d)'
)
# What may follow a number directly (no space): a unit or a ratio mark; anything else glued on is a name (80k, 4th).
GLUED = re.compile(r'(?:ms|s|h|min|%|x|×|M|MB|GB|GFLOPs?)(?![A-Za-z])')
APPROXIMATE = re.compile(r'(?:\babout|\baround|\broughly|\bapproximately|\bnearly|\balmost|~|≈)\s*$')
UNIT_AFTER = re.compile(r'\s*(?P<unit>%|ms\b|s\b|min\b|minutes?\b|h\b|hours?\b|MB\b|GB\b|GFLOPs?\b|M\b|k\b)')
MEASURED = re.compile(
    r'\d\s*(?:%|ms\b|s\b|min\b|minutes?\b|hours?\b|MB\b|GB\b|GFLOPs\b|M\b)|\bx\d|\d(?:\.\d+)?x\b|[×]\d'
    r'|\b(?:m?IoU|gIoU|PCK|GFLOPs|parameters?|params|latency|faster|slower|speed-up|throughput|AbsRel|delta1)\b'
    r'|\|diff\||\d(?:\.\d+)?e-\d'
)
YEAR = re.compile(r'^(19[9]\d|20[0-3]\d)$')
CODE_SPAN = re.compile(r'`+[^`]*`+')
LINK_TARGET = re.compile(r'\]\([^)]*\)')
HTML_COMMENT = re.compile(r'<!--.*?-->')
URL = re.compile(r'https?://\S+')


@dataclass
class Claim:
    path: str  # the Markdown file, relative to the root
    line: int  # 1-based line of the number
    text: str  # the number as written
    value: float
    decimals: int  # its precision: digits after the point (negative for "about 40": tens)
    unit: str  # what follows it: %, ms, s, min, M, ...
    percent: bool  # a percentage (written with %, or in a % column or sentence)
    relative: str  # 'difference' (written with a sign), 'ratio' (x1.4, 3.6x, 42 % faster) or ''
    approximate: bool = False  # "about 40 ms", "~900"
    start: int = 0  # where it stands in its context's text
    end: int = 0
    group: 'Context' = None


@dataclass
class Context:
    """A sentence or a table row, with the numbers in it."""

    raw: str  # as written (for the report)
    text: str  # code, links and comments blanked (what the allow-list is searched in)
    claims: List[Claim]
    table: Optional[List['Context']] = None  # the rows of its table (a table row)


@dataclass
class AllowEntry:
    pattern: re.Pattern
    reason: str
    line: int


# ------------------------------------------------------------------------------------------- result files
def tracked_files(root: str) -> List[str]:
    """Files git tracks under ``root`` (relative paths); every file under it when it is not a git checkout."""
    result = subprocess.run(['git', '-C', root, 'ls-files', '-z'], capture_output=True, text=True)
    if result.returncode == 0:
        return [p for p in result.stdout.split('\0') if p]
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        found += [osp.relpath(osp.join(folder, f), root) for f in files]
    return found


def is_result_file(relative: str) -> bool:
    parts = relative.replace(os.sep, '/').split('/')
    name = parts[-1]
    if not name.endswith(RESULT_SUFFIXES) or name.lower() == 'readme.md':
        return False
    if re.fullmatch(r'results_.*\.json', name):
        return True
    if parts[:2] == ['docs', 'first_hour']:
        return True
    return any(part.startswith(('results', 'runs')) for part in parts[:-1])


def numbers_in_text(text: str) -> Iterable[float]:
    for match in re.finditer(r'[-+]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?', text):
        try:
            yield float(match.group().replace(',', ''))
        except ValueError:
            continue


def scalar_count(value) -> Optional[int]:
    """How many scalars a list (of lists) of scalars holds; None when it holds a dict."""
    if not isinstance(value, list):
        return None if isinstance(value, dict) else 1
    total = 0
    for item in value:
        count = scalar_count(item)
        if count is None:
            return None
        total += count
    return total


def numbers_in_json(value) -> Iterable[float]:
    """The numbers of a JSON document that a text could quote: not those of raw data -- lists of more than
    :data:`RAW_LIST` scalars (per-image counts, learning curves, photo stems) -- nor digits inside single-token
    strings (commit hashes, paths, dates); numbers inside prose or table strings are."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        yield float(value)
    elif isinstance(value, str):
        if any(char.isspace() for char in value.strip()):
            yield from numbers_in_text(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from numbers_in_json(item)
    elif isinstance(value, list):
        count = scalar_count(value)
        if count is not None and count > RAW_LIST:
            return
        for item in value:
            yield from numbers_in_json(item)


def numbers_in_file(path: str) -> Iterable[float]:
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    if path.endswith('.json'):
        try:
            yield from numbers_in_json(json.loads(text))
            return
        except ValueError:
            pass
    if path.endswith('.csv'):
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                yield from numbers_in_text(cell)
        return
    for line in text.splitlines():
        if not LOG_LINE.search(line):  # a training log's per-iteration lines are raw data
            yield from numbers_in_text(line)


class ResultNumbers:
    """The absolute values of every number in some result files, sorted, for lookups within a tolerance."""

    def __init__(self, values: Iterable[float]):
        self.values = sorted({abs(v) for v in values if v == v and abs(v) != float('inf')})

    def near(self, value: float, tolerance: float) -> bool:
        value = abs(value)
        index = bisect.bisect_left(self.values, value - tolerance)
        return index < len(self.values) and self.values[index] <= value + tolerance


def candidates(claim: Claim) -> List[Tuple[float, float]]:
    """(value, tolerance) pairs any of which a result file may hold for ``claim``: the number rounded as written,
    and its scaled forms (a percentage as a fraction or a relative change, millions, minutes and hours as
    seconds)."""
    tolerance = 0.5 * 10**-claim.decimals * (1 + 1e-9) + 1e-12
    value = abs(claim.value)
    if claim.approximate:  # "about 280 ms": within 10 %, or the rounding of its last non-zero digit if wider
        tolerance = max(tolerance, 0.1 * value)
    pairs = [(value, tolerance)]
    if claim.percent:
        pairs += [
            (value / 100, tolerance / 100),
            (1 + value / 100, tolerance / 100),
            (1 - value / 100, tolerance / 100),
        ]
    scale = {'M': 1e6, 'k': 1e3, 'min': 60, 'h': 3600}.get(claim.unit)  # units as make_claim names them
    if scale:
        pairs.append((value * scale, tolerance * scale))
    return pairs


# --------------------------------------------------------------------------------------------- the Markdown
def blank(text: str, pattern: re.Pattern) -> str:
    """``text`` with the matches of ``pattern`` replaced by spaces (positions kept)."""
    return pattern.sub(lambda m: ' ' * len(m.group()), text)


def prose_of(line: str) -> str:
    for pattern in (HTML_COMMENT, CODE_SPAN, LINK_TARGET, URL):
        line = blank(line, pattern)
    return line


def split_row(line: str) -> List[Tuple[int, str]]:
    """(start column, text) of each cell of a table row (pipes inside code spans were blanked already)."""
    cells, start = [], None
    for index, char in enumerate(line):
        if char == '|':
            if start is not None:
                cells.append((start, line[start:index]))
            start = index + 1
    if start is not None and line[start:].strip():
        cells.append((start, line[start:]))
    return cells


def numbers_of(text: str) -> Iterable[re.Match]:
    for match in NUMBER.finditer(text):
        if match.group('version') or not match.group('body'):
            continue
        end = match.end()
        if end < len(text) and text[end].isalpha() and not GLUED.match(text, end):
            continue  # glued to a word: a name (80k, 4th, 2D)
        if re.match(r'-[A-Za-z]', text[end : end + 2]):
            continue  # a compound adjective names a setting: 64-channel, 16-bit, 18-class
        yield match


def make_claim(
    path: str, line_no: int, match: re.Match, text: str, percent_context: bool, offset: int = 0
) -> Optional[Claim]:
    """The claim of a number ``match`` in ``text`` (a sentence or a table cell that starts at ``offset`` of its
    row); None for a year."""
    body = match.group('body').replace(',', '')
    frac, exp = match.group('frac') or '', match.group('exp') or ''
    if YEAR.match(body + frac + exp):
        return None  # a year (CVPR 2022, the 2019 iMaterialist challenge)
    written = (match.group('sign') or '') + match.group('body') + frac + exp
    unit_match = UNIT_AFTER.match(text, match.end())
    unit = unit_match.group('unit') if unit_match else ''
    unit = {'minutes': 'min', 'minute': 'min', 'hours': 'h', 'hour': 'h'}.get(unit, unit)
    # The precision as written: digits after the point, shifted by an exponent (7.5e-3: 4 decimals); "about 40"
    # is precise to its last non-zero digit (tens).
    decimals = len(frac[1:]) - (int(exp[1:]) if exp else 0)
    approximate = bool(APPROXIMATE.search(text[: match.start()]))
    if approximate and not frac and not exp:
        decimals = -(len(body) - len(body.rstrip('0'))) if body.strip('0') else 0
    value = float(body + frac + exp)
    if match.group('sign') in ('-', '−'):
        value = -value
    before, after = text[max(0, match.start() - 1) : match.start()], text[match.end() : match.end() + 24]
    if (
        before in ('x', '×')
        or re.match(r'[x×](?![A-Za-z])', after)
        or re.match(r'\s*%\s*(?:more|less|faster|slower|smaller|larger|longer|shorter)\b', after)
    ):
        relative = 'ratio'
    elif match.group('sign'):
        relative = 'difference'
    else:
        relative = ''
    return Claim(
        path,
        line_no,
        written,
        value,
        decimals,
        unit,
        unit == '%' or percent_context,
        relative,
        approximate,
        offset + match.start(),
        offset + match.end(),
    )


def sentence_spans(text: str) -> List[Tuple[int, int]]:
    """(start, end) of the sentences of a paragraph."""
    spans, start = [], 0
    for match in re.finditer(r'(?<=[.!?])\s+(?=[A-Z*(\[`"])', text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def claims_in_markdown(path: str, relative: str) -> List[Context]:
    """The sentences and table rows of a Markdown file whose numbers are claims, with those claims."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    contexts: List[Context] = []
    paragraph: List[Tuple[int, str, str]] = []  # (line number, raw text, blanked text)
    in_fence = False
    header = ''
    header_cells: List[str] = []
    table: List[Context] = []

    def add(context: Context, found: List[Claim]):
        if found:
            context.claims = found
            for claim in found:
                claim.group = context
            contexts.append(context)

    def flush():
        if not paragraph:
            return
        # One text for the paragraph (raw and blanked have the same length), each line's offset remembered.
        offsets, position = [], 0
        for line_no, raw, _ in paragraph:
            offsets.append((position, line_no))
            position += len(raw) + 1
        raw_text = ' '.join(raw for _, raw, _ in paragraph)
        text = ' '.join(blanked for _, _, blanked in paragraph)
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            if not MEASURED.search(sentence):
                continue
            found = []
            for match in numbers_of(sentence):
                line_no = [n for p, n in offsets if p <= start + match.start()][-1]
                claim = make_claim(relative, line_no, match, sentence, '%' in sentence)
                if claim:
                    found.append(claim)
            add(Context(raw_text[start:end].strip(), sentence, []), found)
        paragraph.clear()

    previous_is_row = False
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if stripped.startswith(('```', '~~~')):
            flush()
            in_fence = not in_fence
            previous_is_row = False
            continue
        if in_fence:
            continue
        if stripped.startswith('|'):
            flush()
            line = prose_of(raw)
            cells = split_row(line)
            if not previous_is_row:  # the header row: names the columns; its measured words count for all rows
                header, header_cells, table = line, [cell for _, cell in cells], []
            elif not re.fullmatch(r'[\s|:-]+', stripped) and (MEASURED.search(header) or MEASURED.search(line)):
                found = []
                for column, (cell_start, cell) in enumerate(cells):
                    title = header_cells[column] if column < len(header_cells) else ''
                    for match in numbers_of(cell):
                        claim = make_claim(relative, number, match, cell, '%' in cell or '%' in title, cell_start)
                        if claim:
                            found.append(claim)
                row = Context(raw.strip(), line, [], table)
                table.append(row)
                add(row, found)
            previous_is_row = True
            continue
        previous_is_row = False
        if not stripped or stripped.startswith(('#', '![')) or re.fullmatch(r'[-*_=]{3,}', stripped):
            flush()
            continue
        if re.match(r'([-*+]|\d+\.)\s', stripped):  # a list item starts a paragraph of its own
            flush()
        paragraph.append((number, raw.strip(), prose_of(raw.strip())))
    flush()
    return contexts


# ------------------------------------------------------------------------------------------------ the list
def read_allowlist(path: str) -> List[AllowEntry]:
    """Entries of the allow-list: ``REGEX  ## reason`` per line; blank lines and lines starting with # skipped."""
    entries = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            pattern, separator, reason = line.partition('  ## ')
            if not separator or not reason.strip():
                raise SystemExit(f'{path}:{number}: an entry is "REGEX  ## reason" (the reason is required)')
            try:
                entries.append(AllowEntry(re.compile(pattern.strip()), reason.strip(), number))
            except re.error as error:
                raise SystemExit(f'{path}:{number}: bad regular expression: {error}')
    return entries


def allowed(claim: Claim, entries: Sequence[AllowEntry]) -> Optional[AllowEntry]:
    """The first entry with a match in the claim's context (sentence or table row) that covers the number."""
    for entry in entries:
        for match in entry.pattern.finditer(claim.group.text):
            if match.start() <= claim.start and claim.end <= match.end():
                return entry
    return None


def derived(claim: Claim) -> bool:
    """Whether a relative claim -- a signed difference or an x-ratio -- is the difference or the ratio of two other
    numbers of its sentence (x1.40 faster ... (3.66 vs 5.13 ms)) or table (a change column against the first
    row), within the rounding of all three."""
    if not claim.relative:
        return False
    low_target = abs(claim.value) - 0.5 * 10**-claim.decimals
    high_target = abs(claim.value) + 0.5 * 10**-claim.decimals
    contexts = claim.group.table if claim.group.table is not None else [claim.group]
    others = [c for context in contexts for c in context.claims if c is not claim and not c.relative]
    for a in others:
        for b in others:
            if a is b:
                continue
            ta, tb = 0.5 * 10**-a.decimals, 0.5 * 10**-b.decimals
            x, y = abs(a.value), abs(b.value)
            if claim.relative == 'difference':
                low, high = x - y - ta - tb, x - y + ta + tb
            elif y - tb > 0:
                low, high = (x - ta) / (y + tb), (x + ta) / (y - tb)
                if claim.percent and claim.unit == '%':  # "42 % faster": the ratio less one, in %
                    low, high = 100 * (low - 1), 100 * (high - 1)
            else:
                continue
            if low <= high_target and low_target <= high:
                return True
    return False


# ---------------------------------------------------------------------------------------------- the check
def expand(root: str, patterns: Sequence[str]) -> List[str]:
    files = []
    for pattern in patterns:
        matched = (
            sorted(glob.glob(osp.join(root, pattern)))
            if any(c in pattern for c in '*?[')
            else [osp.join(root, pattern)]
        )
        if not matched:
            raise SystemExit(f'error: {pattern} matches no file under {root}')
        for path in matched:
            if not osp.isfile(path):
                raise SystemExit(f'error: {path} is not a file')
            if path not in files:
                files.append(path)
    return files


def expand_braces(text: str) -> List[str]:
    """``a_{b,c}.json`` -> ``a_b.json``, ``a_c.json`` (one level at a time, recursively)."""
    match = re.search(r'\{([^{}]*,[^{}]*)\}', text)
    if not match:
        return [text]
    return [
        expanded
        for option in match.group(1).split(',')
        for expanded in expand_braces(text[: match.start()] + option + text[match.end() :])
    ]


def mentioned_results(doc: str, root: str, result_paths: Sequence[str]) -> List[str]:
    """The result files a Markdown file points to: paths and file names in its text (relative to the file or to the
    root; ``{a,b}`` expanded, ``<placeholder>`` as a wildcard), every result file under a folder it names."""
    with open(doc, encoding='utf-8') as f:
        text = f.read()
    relative = {osp.relpath(p, root).replace(os.sep, '/'): p for p in result_paths}
    doc_dir = osp.relpath(osp.dirname(doc), root).replace(os.sep, '/')
    found = set()
    for token in set(re.findall(r'[\w.{}<>*,/-]*(?:/|\.json|\.csv|\.md|\.txt)[\w.{}<>*,/-]*', text)):
        for mention in expand_braces(token.strip('.,/')):
            pattern = re.sub(r'<[^>]*>', '*', mention)
            if not pattern or pattern in ('*', '.', '..'):
                continue
            bases = [osp.normpath(osp.join(doc_dir, pattern)).replace(os.sep, '/'), osp.normpath(pattern)]
            for name, path in relative.items():
                for base in bases:
                    if fnmatch.fnmatch(name, base) or name.startswith(base.rstrip('/') + '/'):
                        found.add(path)
                if '/' not in pattern and fnmatch.fnmatch(osp.basename(name), pattern):
                    found.add(path)
    return sorted(found)


def scope_of(doc: str, root: str, result_paths: Sequence[str]) -> List[str]:
    """The result files a Markdown file's numbers are looked up in: those of its own folder tree (a project's
    README: its project's files; not for files at the root or in docs/), those it mentions, and
    docs/first_hour/* for the top-level README."""
    doc_dir = osp.relpath(osp.dirname(doc), root).replace(os.sep, '/')
    scope = set(mentioned_results(doc, root, result_paths))
    for path in result_paths:
        name = osp.relpath(path, root).replace(os.sep, '/')
        if doc_dir not in ('.', 'docs') and name.startswith(doc_dir + '/'):
            scope.add(path)
        if doc_dir == '.' and name.startswith('docs/first_hour/'):
            scope.add(path)
    return sorted(scope)


def check(
    root: str, docs: Sequence[str], result_paths: Sequence[str], entries: Sequence[AllowEntry], scoped: bool = True
):
    """(flagged claims, number of claims checked, [(claim, the allow-list entry that accepted it)]). ``scoped``:
    each file's numbers are looked up in the result files of :func:`scope_of`, else in all ``result_paths``."""
    cache = {path: list(numbers_in_file(path)) for path in result_paths}
    flagged, total, by_list = [], 0, []
    for path in docs:
        scope = scope_of(path, root, result_paths) if scoped else result_paths
        numbers = ResultNumbers(value for source in scope for value in cache[source])
        for claim in (c for context in claims_in_markdown(path, osp.relpath(path, root)) for c in context.claims):
            total += 1
            if any(numbers.near(value, tolerance) for value, tolerance in candidates(claim)) or derived(claim):
                continue
            entry = allowed(claim, entries)
            if entry:
                by_list.append((claim, entry))
                continue
            flagged.append(claim)
    return flagged, total, by_list


def shorten(text: str, width: int = 200) -> str:
    text = re.sub(r'\s+', ' ', text)
    return text if len(text) <= width else text[: width - 3] + '...'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        'files', nargs='*', help=f'Markdown files or globs, relative to --root (default: {" ".join(DEFAULT_DOCS)})'
    )
    parser.add_argument('--root', default=REPO, help='repository root (default: this repository)')
    parser.add_argument('--allowlist', help=f'allow-list file (default: <root>/{DEFAULT_ALLOWLIST})')
    parser.add_argument(
        '--results',
        nargs='+',
        metavar='GLOB',
        help='result files to search instead of the committed ones (globs relative to --root); '
        'every Markdown file is then checked against all of them',
    )
    parser.add_argument('--summary', action='store_true', help='print only the number of flagged claims per file')
    parser.add_argument(
        '--show-allowed',
        action='store_true',
        help='also list the numbers the allow-list accepted, with the entry\'s line and reason',
    )
    parser.add_argument(
        '--list-sources',
        action='store_true',
        help='print, for each Markdown file, the result files its numbers are looked up in, and exit',
    )
    args = parser.parse_args(argv)

    root = osp.abspath(args.root)
    if args.results:
        result_paths = expand(root, args.results)
    else:
        result_paths = [
            osp.join(root, p) for p in tracked_files(root) if is_result_file(p) and osp.isfile(osp.join(root, p))
        ]
    docs = expand(root, args.files or DEFAULT_DOCS)
    if args.list_sources:
        for doc in docs:
            scope = scope_of(doc, root, result_paths) if not args.results else result_paths
            print(f'{osp.relpath(doc, root)}: {len(scope)} result file(s)')
            for path in scope:
                print(f'    {osp.relpath(path, root)}')
        return 0
    allowlist = args.allowlist or osp.join(root, DEFAULT_ALLOWLIST)
    entries = read_allowlist(allowlist) if osp.isfile(allowlist) else []
    flagged, total, by_list = check(root, docs, result_paths, entries, scoped=not args.results)
    if args.show_allowed:
        for claim, entry in by_list:
            print(
                f'{claim.path}:{claim.line}: {claim.text} accepted by {osp.basename(allowlist)}:{entry.line} '
                f'({entry.reason})  "{shorten(claim.group.raw, 120)}"'
            )
        print()

    per_file = {osp.relpath(p, root): 0 for p in docs}
    for claim in flagged:
        per_file[claim.path] += 1
    if not args.summary:
        for claim in flagged:
            unit = f' {claim.unit}' if claim.unit else ''
            print(f'{claim.path}:{claim.line}: {claim.text}{unit}  "{shorten(claim.group.raw)}"')
        if flagged:
            print()
    for path, count in per_file.items():
        print(f'{count:5d}  {path}')
    print(
        f'{len(flagged)} of {total} numbers in {len(docs)} file(s) are in no result file of theirs '
        f'({len(result_paths)} result files in all) and not on the allow-list ({len(by_list)} accepted by it).'
    )
    return 1 if flagged else 0


if __name__ == '__main__':
    sys.exit(main())
