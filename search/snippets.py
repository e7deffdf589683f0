"""Snippets: a piece of a document around the query's words, with ``<mark>``.

Every piece of document text is HTML-escaped *before* the highlight markup is
added, so the result is safe to insert as HTML. A word of the text is marked
when its German or English analysis shares a term with the query ("Kunden"
marks "Kunde"), or when it is a long word containing a German query stem
("Wissen" marks "Wissensmanagement"). Words are analysed one at a time
through a cache, so a snippet costs a regular-expression scan of the text,
not a full analysis.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from search.analysis import WORD_PATTERN, english_analyzer, fold, german_analyzer
from search.query import TextQuery

SNIPPET_CHARS = 220
SCAN_CHARS = 20_000  # only the start of very long documents is scanned for matches
_WORD = re.compile(WORD_PATTERN)


@lru_cache(maxsize=1)
def _analyzers():
    return german_analyzer(), english_analyzer()


@lru_cache(maxsize=65536)
def word_terms(word: str) -> tuple[str | None, str | None, str]:
    """The German and English query term of one word, and the word folded."""
    de, en = _analyzers()
    de_terms = [t.text for t in de(word)]
    en_terms = [t.text for t in en(word)]
    return (de_terms[0] if de_terms else None, en_terms[0] if en_terms else None,
            fold(word).replace("-", ""))


def match_spans(text: str, query: TextQuery) -> list[tuple[int, int]]:
    """Character ranges of words in ``text`` that match a query term, in order.

    Compound parts are recognised cheaply (no compound splitting here): a long
    word is marked when it contains a German query stem of 4+ letters, so
    "Wissen" marks "Wissensmanagement".
    """
    de_terms, en_terms = query.terms("de"), query.terms("en")
    parts = [t for t in de_terms if len(t) >= 4]
    spans = []
    for match in _WORD.finditer(text):
        de, en, folded = word_terms(match.group())
        if (de in de_terms or en in en_terms
                or (len(folded) >= 8 and any(p in folded for p in parts))):
            spans.append(match.span())
    return spans


def _word_start(text: str, pos: int) -> int:
    """Move ``pos`` back to the start of a word (at most 30 characters)."""
    floor = max(0, pos - 30)
    while pos > floor and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _word_end(text: str, pos: int) -> int:
    """Move ``pos`` back to a space so a word is not cut (unless that loses too much)."""
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return space if space > pos - 30 else pos


def snippet(text: str, query: TextQuery | None, max_chars: int = SNIPPET_CHARS) -> str:
    """HTML: the densest window of ``text`` for ``query``, matches in ``<mark>``."""
    text = " ".join((text or "")[:SCAN_CHARS].split())
    if not text:
        return ""
    spans = match_spans(text, query) if query is not None and not query.empty else []
    if not spans:
        end = _word_end(text, max_chars)
        return escape(text[:end]) + (" …" if end < len(text) else "")
    # the window of max_chars that holds the most matches, starting a little before one
    best, best_count, j = 0, 0, 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + max_chars:
            j += 1
        if j - i > best_count:
            best, best_count = i, j - i
    start = _word_start(text, max(0, spans[best][0] - 40)) if spans[best][0] > 40 else 0
    end = _word_end(text, start + max_chars)
    out = ["… " if start > 0 else ""]
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append(" …")
    return "".join(out)
