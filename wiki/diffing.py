"""Diffs between page revisions: unified text for the API, rows with word-level
highlights for the HTML views. Pure Python (difflib), no Flask.

Pathological inputs are capped so that a diff never runs away: the common
prefix and suffix are cut off first (a one-line edit of a 1 MB page compares
one line), a changed middle that is too large is shown as "replaced" instead
of being matched line by line, word-level highlighting has a token budget,
and the HTML rows are truncated after :data:`MAX_ROWS`. The flags
``approximate`` and ``truncated`` tell the view to say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher

# Line-matching limits for the changed middle part (after prefix/suffix).
MAX_MATCH_LINES = 5_000
MAX_MATCH_CELLS = 4_000_000  # lines(a) * lines(b)
# Word-level highlighting: lines up to MAX_WORD_LINE characters; word matching of
# at most MAX_WORD_TOKENS changed words per side, within WORD_BUDGET cells per diff.
MAX_WORD_LINE = 5_000
MAX_WORD_TOKENS = 200
WORD_BUDGET = 1_000_000
MAX_ROWS = 3_000
CONTEXT = 3

Opcode = tuple[str, int, int, int, int]
_WORD_RE = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Segment:
    """A piece of a line; ``changed`` pieces get highlighted."""

    text: str
    changed: bool = False


@dataclass(frozen=True)
class Row:
    """One line pair of a side-by-side diff.

    ``kind``: ``equal``, ``delete`` (old only), ``insert`` (new only),
    ``change`` (old and new), or ``skip`` (``skipped`` unchanged lines elided).
    """

    kind: str
    old_no: int | None = None
    old: tuple[Segment, ...] = ()
    new_no: int | None = None
    new: tuple[Segment, ...] = ()
    skipped: int = 0


@dataclass
class Diff:
    """Rows for the HTML views plus what was left out."""

    rows: list[Row] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    approximate: bool = False  # a large changed block shown as a whole replacement
    truncated: bool = False  # more than MAX_ROWS rows

    @property
    def identical(self) -> bool:
        return self.added == 0 and self.removed == 0


def _lines(text: str) -> list[str]:
    return text.splitlines()


def opcodes(a: list[str], b: list[str]) -> tuple[list[Opcode], bool]:
    """difflib opcodes for two line lists, capped; returns (opcodes, approximate)."""
    limit = min(len(a), len(b))
    pre = 0
    while pre < limit and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < limit - pre and a[len(a) - 1 - suf] == b[len(b) - 1 - suf]:
        suf += 1
    mid_a, mid_b = a[pre:len(a) - suf], b[pre:len(b) - suf]
    ops: list[Opcode] = []
    if pre:
        ops.append(("equal", 0, pre, 0, pre))
    approximate = False
    if mid_a or mid_b:
        too_big = (len(mid_a) > MAX_MATCH_LINES or len(mid_b) > MAX_MATCH_LINES
                   or len(mid_a) * len(mid_b) > MAX_MATCH_CELLS)
        if too_big:
            approximate = True
            middle: list[Opcode] = [("replace" if mid_a and mid_b else
                                     "delete" if mid_a else "insert",
                                     0, len(mid_a), 0, len(mid_b))]
        else:
            middle = SequenceMatcher(None, mid_a, mid_b).get_opcodes()
        ops.extend((tag, i1 + pre, i2 + pre, j1 + pre, j2 + pre)
                   for tag, i1, i2, j1, j2 in middle)
    if suf:
        ops.append(("equal", len(a) - suf, len(a), len(b) - suf, len(b)))
    if not ops:
        ops.append(("equal", 0, 0, 0, 0))
    return ops, approximate


def grouped(ops: list[Opcode], n: int = CONTEXT) -> Iterator[list[Opcode]]:
    """Hunks with ``n`` lines of context (difflib's get_grouped_opcodes on given opcodes)."""
    codes = list(ops)
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    nn = n + n
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > nn:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    length = stop - start
    beginning = start + 1
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def unified(old: str, new: str, old_label: str = "a", new_label: str = "b",
            n: int = CONTEXT) -> str:
    """A unified diff (as ``diff -u``) of two texts; empty when they are equal."""
    a, b = _lines(old), _lines(new)
    ops, _ = opcodes(a, b)
    out: list[str] = []
    for group in grouped(ops, n):
        if not out:
            out += [f"--- {old_label}", f"+++ {new_label}"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                out.extend("-" + line for line in a[i1:i2])
            if tag in ("replace", "insert"):
                out.extend("+" + line for line in b[j1:j2])
    return "\n".join(out) + ("\n" if out else "")


class _Budget:
    def __init__(self, tokens: int) -> None:
        self.left = tokens


def _word_segments(old: str, new: str, budget: _Budget
                   ) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Word-level highlights for one changed line pair.

    Common leading and trailing words are cut off in linear time; only a
    middle of at most MAX_WORD_TOKENS words per side is matched word by word
    (difflib is super-quadratic on repetitive input), within the diff's
    budget. Otherwise the whole middle is highlighted.
    """
    if len(old) > MAX_WORD_LINE or len(new) > MAX_WORD_LINE:
        return (Segment(old, True),), (Segment(new, True),)
    a, b = _WORD_RE.findall(old), _WORD_RE.findall(new)
    limit = min(len(a), len(b))
    pre = 0
    while pre < limit and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < limit - pre and a[len(a) - 1 - suf] == b[len(b) - 1 - suf]:
        suf += 1
    mid_a, mid_b = a[pre:len(a) - suf], b[pre:len(b) - suf]
    head, tail = "".join(a[:pre]), "".join(a[len(a) - suf:])
    left: list[Segment] = [Segment(head)] if head else []
    right: list[Segment] = list(left)
    cells = len(mid_a) * len(mid_b)
    if (mid_a and mid_b and len(mid_a) <= MAX_WORD_TOKENS and len(mid_b) <= MAX_WORD_TOKENS
            and cells <= budget.left):
        budget.left -= cells
        matcher = SequenceMatcher(None, mid_a, mid_b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                text = "".join(mid_a[i1:i2])
                left.append(Segment(text))
                right.append(Segment(text))
                continue
            if i2 > i1:
                left.append(Segment("".join(mid_a[i1:i2]), True))
            if j2 > j1:
                right.append(Segment("".join(mid_b[j1:j2]), True))
    else:
        if mid_a:
            left.append(Segment("".join(mid_a), True))
        if mid_b:
            right.append(Segment("".join(mid_b), True))
    if tail:
        left.append(Segment(tail))
        right.append(Segment(tail))
    return tuple(_joined(left)), tuple(_joined(right))


def _joined(segments: list[Segment]) -> Iterator[Segment]:
    """Merge neighbours with the same flag: fewer elements in the page."""
    current: Segment | None = None
    for segment in segments:
        if current is not None and current.changed == segment.changed:
            current = Segment(current.text + segment.text, current.changed)
            continue
        if current is not None:
            yield current
        current = segment
    if current is not None:
        yield current


def diff_rows(old: str, new: str, n: int = CONTEXT) -> Diff:
    """Side-by-side rows with word-level highlights (inline views use the same rows)."""
    a, b = _lines(old), _lines(new)
    ops, approximate = opcodes(a, b)
    result = Diff(approximate=approximate)
    budget = _Budget(WORD_BUDGET)
    for tag, i1, i2, j1, j2 in ops:
        if tag in ("replace", "delete"):
            result.removed += i2 - i1
        if tag in ("replace", "insert"):
            result.added += j2 - j1
    previous_end = 0
    for group in grouped(ops, n):
        first = group[0]
        if first[1] > previous_end:
            result.rows.append(Row("skip", skipped=first[1] - previous_end))
        for tag, i1, i2, j1, j2 in group:
            _append_rows(result, tag, a, b, i1, i2, j1, j2, budget)
        previous_end = group[-1][2]
        if len(result.rows) > MAX_ROWS:
            result.rows = result.rows[:MAX_ROWS]
            result.truncated = True
            return result
    if previous_end and previous_end < len(a):
        result.rows.append(Row("skip", skipped=len(a) - previous_end))
    return result


def _append_rows(result: Diff, tag: str, a: list[str], b: list[str], i1: int, i2: int,
                 j1: int, j2: int, budget: _Budget) -> None:
    rows = result.rows
    if tag == "equal":
        for offset, line in enumerate(a[i1:i2]):
            rows.append(Row("equal", i1 + offset + 1, (Segment(line),),
                            j1 + offset + 1, (Segment(line),)))
        return
    old_count, new_count = i2 - i1, j2 - j1
    for k in range(max(old_count, new_count)):
        if len(rows) > MAX_ROWS:
            return
        if k < old_count and k < new_count:
            left, right = _word_segments(a[i1 + k], b[j1 + k], budget)
            rows.append(Row("change", i1 + k + 1, left, j1 + k + 1, right))
        elif k < old_count:
            rows.append(Row("delete", i1 + k + 1, (Segment(a[i1 + k], True),)))
        else:
            rows.append(Row("insert", new_no=j1 + k + 1, new=(Segment(b[j1 + k], True),)))
