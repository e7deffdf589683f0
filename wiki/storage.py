"""The wiki's pure logic: page paths, body normalisation and three-way merge.

Nothing here knows Flask or the database, so it is unit-tested on its own
(like An Otter Wiki's storage class). Diffs live in :mod:`wiki.diffing`.

Paths
-----
A page path is canonicalised exactly like a ``[[Wiki Link]]`` target
(:func:`schwarm.markup.wiki_path_for`): NFKC, case-folded, and every run of
characters other than letters, digits and combining marks becomes one ``-``.
So ``Sales/Onboarding Guide``, ``sales/onboarding-guide`` and the link
``[[Sales/Onboarding Guide]]`` all name the same page, and uniqueness is
case-insensitive. Before canonicalising, input that is plainly wrong is
refused with a message rather than silently repaired: empty paths, leading
or trailing ``/``, empty segments, ``.``/``..``, control or invisible
characters, more than 200 characters, and reserved last segments (the
sub-pages ``edit``, ``history`` ... of every page).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import merge3

from schwarm.markup import wiki_path_for

MAX_PATH_LENGTH = 200
MAX_TITLE_LENGTH = 200
MAX_SUMMARY_LENGTH = 300
# Last segments that name a page's sub-pages or actions (HTML and API).
RESERVED_LAST_SEGMENTS = frozenset({
    "edit", "history", "diff", "revisions", "revert", "move", "delete", "restore",
    "watch", "unwatch", "backlinks",
})
# Whole paths taken by wiki-wide pages (/wiki/recent).
RESERVED_PATHS = frozenset({"recent"})
# Merging compares lines pairwise; beyond this the merge is refused as a
# conflict rather than risking a request that runs for minutes.
MAX_MERGE_LINES = 50_000

# Control, format (bidi, zero-width), surrogate, private-use, unassigned, line/paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class InvalidPath(ValueError):
    """A path that cannot name a page; ``str(error)`` is a message for people."""


def normalize_path(raw: object) -> str:
    """The canonical form of a page path, or :class:`InvalidPath` with the reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPath("A page needs a path.")
    if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in raw):
        raise InvalidPath("Page paths may not contain control or invisible characters.")
    if len(raw) > MAX_PATH_LENGTH:
        raise InvalidPath(f"Page paths are at most {MAX_PATH_LENGTH} characters long.")
    if raw.startswith("/") or raw.endswith("/"):
        raise InvalidPath("Page paths may not start or end with '/'.")
    for segment in raw.split("/"):
        stripped = segment.strip()
        if not stripped:
            raise InvalidPath("Page paths may not contain empty parts ('//').")
        if stripped in (".", ".."):
            raise InvalidPath("Page paths may not contain '.' or '..' parts.")
        if not wiki_path_for(segment):
            raise InvalidPath(
                f"The part '{stripped}' of the path needs at least one letter or digit.")
    path = wiki_path_for(raw)
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidPath(f"Page paths are at most {MAX_PATH_LENGTH} characters long.")
    segments = path.split("/")
    if segments[-1] in RESERVED_LAST_SEGMENTS:
        raise InvalidPath(
            f"A page path may not end with '{segments[-1]}': that name is reserved for "
            "the pages of every page (edit, history, diff, revisions, revert ...).")
    if len(segments) >= 2 and segments[-2] == "revisions" and segments[-1].isdigit():
        raise InvalidPath("A page path may not end with 'revisions/<number>'.")
    if path in RESERVED_PATHS:
        raise InvalidPath(f"The path '{path}' is reserved.")
    return path


def is_valid_path(raw: object) -> bool:
    """True if ``raw`` is a path in canonical form."""
    try:
        return normalize_path(raw) == raw
    except InvalidPath:
        return False


def parent_paths(path: str) -> list[str]:
    """Ancestors of a path, outermost first: ``a/b/c`` -> ``["a", "a/b"]``."""
    segments = path.split("/")
    return ["/".join(segments[:i]) for i in range(1, len(segments))]


def title_from_path(path: str) -> str:
    """A title suggestion for a new page: ``sales/onboarding-guide`` -> ``Onboarding guide``."""
    words = path.rsplit("/", 1)[-1].replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def move_target(old_root: str, new_root: str, path: str) -> str:
    """Where ``path`` (``old_root`` or below it) goes when ``old_root`` moves to ``new_root``."""
    if path == old_root:
        return new_root
    if not path.startswith(old_root + "/"):
        raise ValueError(f"{path!r} is not in {old_root!r}")
    return new_root + path[len(old_root):]


def normalize_body(text: str) -> str:
    """Line endings as ``\\n`` and exactly one final newline (none for an empty body).

    One final newline makes appends at the end merge cleanly, and browsers
    send CRLF while API clients send LF: both must be the same text.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.rstrip("\n")
    return text + "\n" if text.strip() else ""


def body_size(text: str) -> int:
    """Size in bytes as stored (UTF-8)."""
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class MergeResult:
    """The outcome of :func:`merge`.

    ``text`` is the merged text when the edits did not overlap, else None;
    ``marked`` is the merge with conflict markers (theirs vs. yours), for
    people to resolve by hand; ``conflicts`` counts the overlapping regions.
    """

    text: str | None
    marked: str
    conflicts: int

    @property
    def clean(self) -> bool:
        return self.text is not None


def merge(base: str, theirs: str, yours: str) -> MergeResult:
    """Three-way merge of page bodies, line by line (merge3, as in bzr/breezy).

    Changes to the same or to adjacent lines conflict; identical changes on
    both sides are taken once.
    """
    base_lines, their_lines, your_lines = (t.splitlines(keepends=True)
                                           for t in (base, theirs, yours))
    if max(len(base_lines), len(their_lines), len(your_lines)) > MAX_MERGE_LINES:
        return MergeResult(None, _marked_whole(theirs, yours), 1)
    merger = merge3.Merge3(base_lines, their_lines, your_lines)
    merged: list[str] = []
    conflicts = 0
    for group in merger.merge_groups():
        if group[0] == "conflict":
            conflicts += 1
        else:
            merged.extend(group[1])
    marked = "".join(merger.merge_lines(
        name_a="theirs (saved meanwhile)", name_b="yours", start_marker="<<<<<<<",
        mid_marker="=======", end_marker=">>>>>>>"))
    return MergeResult(None if conflicts else "".join(merged), marked, conflicts)


def _marked_whole(theirs: str, yours: str) -> str:
    def ending(text: str) -> str:
        return text if text.endswith("\n") or not text else text + "\n"

    return ("<<<<<<< theirs (saved meanwhile)\n" + ending(theirs) + "=======\n"
            + ending(yours) + ">>>>>>> yours\n")


def merge_title(base: str, theirs: str, yours: str) -> str | None:
    """The merged title, or None when both sides changed it differently."""
    if yours == base or yours == theirs:
        return theirs
    if theirs == base:
        return yours
    return None


# --- headings: anchors and the table of contents ----------------------------

_HEADING_RE = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
_ANCHORED_RE = re.compile(r'<h([1-6]) id="([a-z0-9\-]+)">(.*?)</h\1>', re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Heading:
    """One table-of-contents entry; ``text`` is plain text (escape it)."""

    level: int
    anchor: str
    text: str


def _heading_text(inner_html: str) -> str:
    import html

    return " ".join(html.unescape(_TAG_RE.sub("", inner_html)).split())


def add_heading_anchors(sanitized_html: str) -> str:
    """Give every ``<hN>`` of sanitised HTML an ``id`` for the table of contents.

    The sanitiser emits headings without attributes, so the pattern is exact;
    anchors are ``h-`` plus ASCII letters, digits and '-', unique per page,
    so they need no escaping and cannot clobber anything in the DOM.
    """
    seen: dict[str, int] = {}

    def anchor(match: re.Match[str]) -> str:
        text = _heading_text(match.group(2))
        slug = wiki_path_for(text).replace("/", "-")
        slug = re.sub(r"[^a-z0-9\-]+", "", slug.encode("ascii", "ignore").decode())[:60]
        slug = slug.strip("-") or "section"
        count = seen.get(slug, 0) + 1
        seen[slug] = count
        name = f"h-{slug}" if count == 1 else f"h-{slug}-{count}"
        return f'<h{match.group(1)} id="{name}">{match.group(2)}</h{match.group(1)}>'

    return _HEADING_RE.sub(anchor, sanitized_html)


def table_of_contents(anchored_html: str, limit: int = 200) -> list[Heading]:
    """The headings of HTML from :func:`add_heading_anchors`, in order (at most ``limit``)."""
    out: list[Heading] = []
    for match in _ANCHORED_RE.finditer(anchored_html):
        out.append(Heading(int(match.group(1)), match.group(2), _heading_text(match.group(3))))
        if len(out) >= limit:
            break
    return out
