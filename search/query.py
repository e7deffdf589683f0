"""Parsing what people type into the search box — which is hostile input.

No backend query parser ever sees the user's text. We parse it here into a
small structure and the backends build their queries from analysed terms:

* ``author:anna``, ``tag:onboarding`` (or ``tag:#onboarding``),
  ``group:sales``, ``type:question`` — the only fields users may name; a
  value may be quoted (``group:"sales"``). Repeating a field means either
  value (``type:page type:question``).
* ``"exact phrase"`` — the words in this order (an unbalanced quote runs to
  the end of the query).
* ``-word`` — leave out what contains the word.
* every other word must occur (in either the German or the English analysis,
  see :mod:`search.analysis`). Anything else — unknown ``field:`` prefixes,
  ``*``, ``?``, brackets, ``AND``/``OR``, control characters — is treated as
  plain text: punctuation separates words, control and invisible characters
  are dropped.

Queries longer than :data:`MAX_QUERY_CHARS` are refused with a message; more
than :data:`MAX_TERMS` words are cut with a notice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from schwarm.errors import Invalid
from schwarm.markup import normalize_tag
from schwarm.text import normalize_identifier
from search.analysis import WORD_PATTERN, analyze, english_analyzer, german_analyzer

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
FIELDS = ("author", "tag", "group", "type")
TYPES = ("post", "question", "comment", "page", "user", "group")
TYPE_ALIASES = {
    "post": "post", "posts": "post", "update": "post", "beitrag": "post",
    "question": "question", "questions": "question", "frage": "question", "fragen": "question",
    "comment": "comment", "comments": "comment", "answer": "comment", "answers": "comment",
    "kommentar": "comment", "antwort": "comment",
    "page": "page", "pages": "page", "wiki": "page", "seite": "page",
    "user": "user", "users": "user", "people": "user", "person": "user",
    "group": "group", "groups": "group", "gruppe": "group",
}

_WORD = re.compile(WORD_PATTERN)
_TOKEN = re.compile(
    r"""
    (?P<neg>-)?
    (?:
        (?P<field>[^\W\d_]+):(?P<value>"[^"]*"?|[^\s"]*)
      | "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s"]+)
    )
    """,
    re.VERBOSE,
)
# Control, format (bidi, zero-width), surrogate, private-use and unassigned characters.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


class QueryTooLong(Invalid):
    """The query is longer than :data:`MAX_QUERY_CHARS`."""


@dataclass
class ParsedQuery:
    """The structure of a query: free words, phrases, exclusions and field filters."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    def text(self) -> str:
        """The query again, normalised (used for "did you mean" links)."""
        parts = [*self.words, *(f'"{p}"' for p in self.phrases),
                 *(f"-{w}" for w in self.excluded)]
        for name in FIELDS:
            for value in self.filters.get(name, []):
                parts.append(f"{name}:{value}")
        return " ".join(parts)


def clean(text: str) -> str:
    """NFC, control and invisible characters replaced by spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(ch) in _DROP_CATEGORIES else ch for ch in text)
    return " ".join(text.split())


def parse(text: str | None) -> ParsedQuery:
    """Parse user input; raises :class:`QueryTooLong` (400) for overlong input."""
    text = text or ""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(
            str(_l("Search for at most %(n)s characters.", n=MAX_QUERY_CHARS)),
            code="query_too_long",
        )
    parsed = ParsedQuery()
    count = 0
    for match in _TOKEN.finditer(clean(text)):
        negated = bool(match.group("neg"))
        name = (match.group("field") or "").casefold()
        if name in FIELDS and not negated:
            value = match.group("value").strip('"').strip()
            if value:
                _add_filter(parsed, name, value)
            continue
        if match.group("phrase") is not None:
            words = _WORD.findall(match.group("phrase"))
            if len(words) > 1 and not negated:
                parsed.phrases.append(" ".join(words))
                count += len(words)
                continue
        else:
            words = _WORD.findall(match.group(0).lstrip("-"))
        for word in words:
            (parsed.excluded if negated and len(words) == 1 else parsed.words).append(word)
            count += 1
    if count > MAX_TERMS:
        parsed.notices.append(str(_l("Only the first %(n)s words were used.", n=MAX_TERMS)))
        parsed.words = parsed.words[:MAX_TERMS]
        parsed.phrases = parsed.phrases[: MAX_TERMS // 2]
        parsed.excluded = parsed.excluded[: MAX_TERMS // 2]
    parsed.words = list(dict.fromkeys(parsed.words))
    return parsed


def _add_filter(parsed: ParsedQuery, name: str, value: str) -> None:
    if name == "type":
        kind = TYPE_ALIASES.get(value.casefold())
        if kind is None:
            parsed.notices.append(str(_l(
                "Unknown type “%(value)s”; use post, question, comment, page, user or group.",
                value=value[:40])))
            return
        value = kind
    elif name == "tag":
        value = normalize_tag(value)
    elif name == "author":
        value = normalize_identifier(value.lstrip("@"))
    else:
        value = normalize_identifier(value)
    values = parsed.filters.get(name, [])
    if value and value not in values and len(values) < 10:
        parsed.filters[name] = [*values, value[:100]]


# --- analysed terms ----------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One query word as the German and the English analysis see it (None = stop word)."""

    text: str
    de: str | None
    en: str | None


@dataclass(frozen=True)
class Phrase:
    """Words in order, per analysis."""

    text: str
    de: tuple[str, ...]
    en: tuple[str, ...]


@dataclass
class TextQuery:
    """The analysed text part of a query: what every backend builds its query from."""

    words: list[Word] = field(default_factory=list)
    phrases: list[Phrase] = field(default_factory=list)
    excluded: list[Word] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases)

    def terms(self, language: str) -> set[str]:
        """Every positive term of one analysis ("de"/"en"), e.g. for highlighting."""
        found = {getattr(w, language) for w in self.words} - {None}
        for phrase in self.phrases:
            found.update(getattr(phrase, language))
        return found


@lru_cache(maxsize=1)
def analyzers():
    """The (German, English) query analyzers, built once."""
    return german_analyzer(), english_analyzer()


@lru_cache(maxsize=4096)
def analyse_word(word: str) -> Word:
    """Analyse one word in both languages."""
    de, en = analyzers()
    de_terms, en_terms = analyze(de, word), analyze(en, word)
    return Word(word, de_terms[0] if de_terms else None, en_terms[0] if en_terms else None)


def analyse(parsed: ParsedQuery) -> TextQuery:
    """Turn parsed words into analysed terms; stop words (in both languages) drop out."""
    de, en = analyzers()
    query = TextQuery()
    for word in parsed.words:
        analysed = analyse_word(word)
        if analysed.de or analysed.en:
            query.words.append(analysed)
    for text in parsed.phrases:
        phrase = Phrase(text, tuple(analyze(de, text)), tuple(analyze(en, text)))
        if len(phrase.de) > 1 or len(phrase.en) > 1:
            query.phrases.append(phrase)
        else:  # one meaningful word left: search it as a word
            analysed = Word(text, phrase.de[0] if phrase.de else None,
                            phrase.en[0] if phrase.en else None)
            if analysed.de or analysed.en:
                query.words.append(analysed)
    for word in parsed.excluded:
        analysed = analyse_word(word)
        if analysed.de or analysed.en:
            query.excluded.append(analysed)
    return query
