"""tsvector and tsquery values for the PostgreSQL backend, built from our own analysis.

PostgreSQL's ``german`` and ``english`` configurations do not split
compounds, fold feminine forms, map "ae" to "ä" (PostgreSQL 15's stemmer
keeps "qualitaet" apart from "qualität") or know our synonyms. So the
lexemes are produced in Python by :mod:`search.analysis` — the same terms the
Whoosh backend indexes — and handed to PostgreSQL as ``tsvector`` /
``tsquery`` *values* (bound parameters in the type's input syntax, every
lexeme quoted), never as SQL text. Both backends therefore find exactly the
same documents for the same words. PostgreSQL's own ``german`` configuration
is used for ``ts_headline`` snippets.

Positions: title words first (weight A), then body words (weight B) after a
gap, so phrases never span title and body; PostgreSQL keeps positions up to
16383 and 256 per lexeme. Tags are added to the English vector as ``#tag``
lexemes (weight C) for tag prefix suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from search.analysis import english_analyzer, german_analyzer
from search.query import Phrase, TextQuery, Word

MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
MAX_LEXEME_CHARS = 200
INDEX_CHARS = 300_000  # tsvector values are limited to 1 MB
SPELL_WORD = re.compile(r"[^\W\d_]{3,30}")
_ANALYZERS: dict[str, object] = {}


def analyzer(language: str):
    """The index analyzer of ``language`` ("de" or "en"), built once."""
    if language not in _ANALYZERS:
        _ANALYZERS[language] = german_analyzer() if language == "de" else english_analyzer()
    return _ANALYZERS[language]


def quote(lexeme: str) -> str:
    """A lexeme in tsvector/tsquery input syntax."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(language: str, title: str, body: str, tags: Iterable[str] = ()) -> str:
    """The tsvector input text of one document in one analysis."""
    positions: dict[str, list[str]] = {}

    def add(text: str, offset: int, weight: str) -> int:
        last = offset
        for token in analyzer(language)(text, mode="index", positions=True):
            if len(token.text) > MAX_LEXEME_CHARS:
                continue
            pos = min(MAX_POSITION, offset + token.pos + 1)
            last = max(last, pos)
            entries = positions.setdefault(token.text, [])
            if len(entries) < MAX_POSITIONS_PER_LEXEME:
                entries.append(f"{pos}{weight}")
        return last

    end = add(title or "", 0, "A")
    add((body or "")[:INDEX_CHARS], end + 10, "B")
    if language == "en":
        for tag in tags:
            positions.setdefault("#" + tag, []).append(f"{MAX_POSITION}C")
    return " ".join(f"{quote(lexeme)}:{','.join(pos)}" for lexeme, pos in positions.items())


def words(title: str, body: str) -> list[str]:
    """The distinct unstemmed words of a document: the "did you mean" vocabulary."""
    found = SPELL_WORD.findall(f"{title} {(body or '')[:INDEX_CHARS]}".lower())
    return sorted(set(found))


def word_query(word: Word, language: str) -> str | None:
    term = getattr(word, language)
    return quote(term) if term else None


def phrase_query(phrase: Phrase, language: str) -> str | None:
    terms = getattr(phrase, language)
    return " <-> ".join(quote(t) for t in terms) if terms else None


def any_query(text: TextQuery, language: str) -> str | None:
    """Every positive term OR-ed (for ranking)."""
    terms = sorted(text.terms(language))
    return " | ".join(quote(t) for t in terms) if terms else None


def prefix_query(complete: list[str], prefix_terms: list[str]) -> str | None:
    """Title-only (weight A): every complete word, and any of the prefix forms."""
    parts = [f"{quote(t)}:A" for t in complete]
    if prefix_terms:
        parts.append("(" + " | ".join(f"{quote(t)}:*A" for t in prefix_terms) + ")")
    return " & ".join(parts) if parts else None


def levenshtein(a: str, b: str) -> int:
    """Edit distance (for ranking spelling candidates)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
