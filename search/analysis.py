"""Text analysis for the search index: German and English analyzers for Whoosh.

Every document is indexed twice, once per language, because posts do not say
which language they are in and often mix both::

    title_de, body_de  ->  german_analyzer()
    title_en, body_en  ->  english_analyzer()

A query is parsed against all four fields and the fields are OR-ed, so a word
is found if *either* analysis brings query and document to the same term.
(The Whoosh backend indexes title and body together as ``text_de``/``text_en``
with the title repeated for weight; the PostgreSQL backend stores the same
terms as tsvectors; see ``whoosh_backend.py`` and ``pg_terms.py``.)

What the analyzers do, in order (both languages unless noted):

1. **Tokenize** Unicode words (``\\w+``). Words joined by hyphens stay one
   token ("E-Mail-Adresse"), and the gender marks ``*in``, ``:in``,
   ``*innen``, ``:innen`` stay attached ("Mitarbeiter:innen").
2. **Normalize**: Unicode NFC, then ``str.casefold`` (so "ß" becomes "ss").
3. **Stop words**: a small list per language plus the other language's
   function words (both languages end up in both fields), except where a stop
   word of one language is a content word of the other: "die", "war", "man",
   "hat" are stopped in ``*_de`` only and "it" (as in IT) in ``*_en`` only.
   A query made only of stop words parses to nothing and finds nothing.
4. **Feminine forms** (German only): "-innen"/"-erin" and the gender marks are
   folded to the masculine form ("Mitarbeiterinnen", "Mitarbeiter*innen",
   "Mitarbeiterin" -> "mitarbeiter"; "Kundinnen" -> "kund"), plus a few
   common singulars in ``FEMININE_WORDS`` ("Kundin" -> "kunde"). Words like
   "beginnen", "gewinnen", "innen", "binnen" are left alone.
5. **Hyphens and compounds** (index time only, i.e. ``mode == "index"``):
   a hyphenated word is indexed as the joined form ("E-Mails" -> "emails")
   *and* its parts at the same position. German tokens of 8+ letters are
   also split with ``compound_split`` when its best split scores above
   ``COMPOUND_THRESHOLD``, recursively, rejecting splits with a part shorter
   than 4 letters or a stop word ("Mit|arbeiter"); so "Wissensmanagement" is
   indexed as "wissensmanagement", "wissens" and "management". At query time
   only the joined form is produced, never parts: a query for a compound
   finds that compound (or the same compound hyphenated), not its parts
   scattered in a text.
6. **Stemming** with Snowball via PyStemmer (German: also maps ae/oe/ue and
   umlauts, "Qualitaet" and "Qualität" -> "qualitat"; English: "running" ->
   "run", "companies" -> "compani").
7. **Accent folding**: remaining diacritics are stripped (NFKD), e.g.
   "café" -> "cafe". English folds before stemming, German after.
8. **Synonyms** on stems (``SYNONYMS``): "mail" -> "email", so Mail, Mails,
   E-Mail, E-Mails, Email, Emails meet.

Limits (what is *not* found):

* Compound parts are only found when the index-time split is confident:
  "Betriebsrat" is not split, so "Rat" does not find it; splits under 4
  letters are rejected, so "Amt" does not find "Finanzamt".
* A query for a compound does not find its parts written apart: "Kundenservice"
  does not find "Service für Kunden"; "Wissen" finds "Wissensmanagement" but
  not "Wissenschaft" (no confident split).
* No cross-language synonyms ("meeting" does not find "Besprechung") and no
  synonyms beyond ``SYNONYMS``.
* Transliterations ae/oe/ue are only folded by the German stemmer; in the
  English fields "Mueller" and "Müller" stay different (the German fields
  bring them together).
* Stop words are not searchable: "IT" alone only matches in ``*_de``; "die"
  only in ``*_en``.
* Snowball over- and under-stems: "Steuer" -> "steu"; irregular English
  ("ran", "mice") is not mapped to the lemma.
* Queries have no wildcards (:mod:`search.query` builds them from analysed
  words, never with a query parser): ``*`` and ``?`` separate words, except
  in the gender forms above ("Mitarbeiter*innen" finds "Mitarbeiter").

Speed: stems, masculine forms and compound splits are cached (bounded LRU);
``compound_split`` is imported lazily on the first German index-time split
(its tables take about 2 s to load). Analyzers are picklable (Whoosh stores
the schema in the index), so this module's path must stay importable.
"""

import re
import threading
import unicodedata
from functools import lru_cache

import Stemmer
from whoosh.analysis import Analyzer, Filter, RegexTokenizer, StopFilter, Token

__all__ = [
    "COMPOUND_THRESHOLD",
    "FEMININE_WORDS",
    "SYNONYMS",
    "analyze",
    "compound_parts",
    "english_analyzer",
    "fold",
    "german_analyzer",
    "pair_text",
    "PairAnalyzer",
    "SharedAnalysis",
]

# A word: letters/digits, optionally hyphen-joined (ASCII, U+2010, U+2011),
# optionally with a German gender mark (":innen", "*in") attached.
WORD_PATTERN = r"\w+(?:[-\u2010\u2011]\w+)*(?:[*:](?i:innen|in)(?!\w))?"
_HYPHENS = re.compile(r"[-\u2010\u2011]")

COMPOUND_THRESHOLD = 0.5
MIN_COMPOUND_LENGTH = 8
MIN_PART_LENGTH = 4

GERMAN_STOP_WORDS = frozenset(
    """
    aber als am an auch auf aus bei bin bis da damit dann das dass dem den der des die
    dies diese dieser du durch ein eine einem einen einer eines er es für hat haben
    hatte ich ihr im in ist ja kann man mit nach nicht noch nur ob oder sein sich sie
    sind so über um und uns unter vom von vor war waren was weil wenn werden wie wir
    wird wurde zu zum zur
    """.split()
)
ENGLISH_STOP_WORDS = frozenset(
    """
    a about also an and are as at be been but by can could do does for from had has
    have he her his i if in into is it its may not of on or our she so than that the
    their them then there these they this those to us was we were what when which who
    will with would yet you your
    """.split()
)
# Stop words of one language that are content words in the other.
_CONTENT_IN_ENGLISH = frozenset({"die", "war", "man", "hat"})
_CONTENT_IN_GERMAN = frozenset({"it"})  # "IT" = Informationstechnik

STOP_WORDS = {
    "german": GERMAN_STOP_WORDS | (ENGLISH_STOP_WORDS - _CONTENT_IN_GERMAN),
    "english": ENGLISH_STOP_WORDS | (GERMAN_STOP_WORDS - _CONTENT_IN_ENGLISH),
}

# Applied to stems (after folding): every variant of a word -> one term.
SYNONYMS = {"mail": "email"}

# Feminine singulars that the "-erin" rule does not cover, -> masculine form.
FEMININE_WORDS = {
    "kundin": "kunde",
    "kollegin": "kollege",
    "ärztin": "arzt",
    "expertin": "experte",
    "chefin": "chef",
    "studentin": "student",
    "praktikantin": "praktikant",
    "kandidatin": "kandidat",
    "assistentin": "assistent",
    "präsidentin": "präsident",
}
_GENDER_MARK = re.compile(r"[*:_](?:innen|in)$")
_NOT_FEMININE = ("beginnen", "gewinnen", "spinnen", "besinnen", "entrinnen", "drinnen")


def fold(text: str) -> str:
    """Casefold and strip diacritics: "Straße" -> "strasse", "Qualität" -> "qualitat"."""
    return _strip_marks(text.casefold())


@lru_cache(maxsize=65536)
def _strip_marks(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_STEMMERS: dict[str, Stemmer.Stemmer] = {}
_STEM_LOCK = threading.Lock()  # a PyStemmer object must not be used concurrently


@lru_cache(maxsize=131072)
def _stem(language: str, word: str) -> str:
    with _STEM_LOCK:
        stemmer = _STEMMERS.get(language)
        if stemmer is None:
            stemmer = _STEMMERS[language] = Stemmer.Stemmer(language)
        return stemmer.stemWord(word)


@lru_cache(maxsize=65536)
def _masculine(word: str) -> str:
    """German feminine form -> masculine form (lowercase in, lowercase out)."""
    if word in FEMININE_WORDS:
        return FEMININE_WORDS[word]
    mark = _GENDER_MARK.search(word)
    if mark and mark.start() >= 3:
        return word[: mark.start()]
    if word.endswith("innen") and len(word) >= 9 and not word.endswith(_NOT_FEMININE):
        return word[:-5]
    if word.endswith("erin") and len(word) >= 7:
        return word[:-2]
    return word


@lru_cache(maxsize=65536)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a German compound, recursively, or () if not confidently one.

    ``compound_parts("reisekostenabrechnung")`` ->
    ``("reisekosten", "reise", "kosten", "abrechnung")``. Input is lowercase.
    """
    if len(word) < MIN_COMPOUND_LENGTH or not word.isalpha():
        return ()
    from compound_split.char_split import split_compound  # slow import: only when needed

    score, head, tail = split_compound(word)[0]
    head, tail = head.casefold(), tail.casefold()
    stops = STOP_WORDS["german"]
    if score <= COMPOUND_THRESHOLD or any(
        len(part) < MIN_PART_LENGTH or part in stops for part in (head, tail)
    ):
        return ()
    return (head, *compound_parts(head), tail, *compound_parts(tail))


@lru_cache(maxsize=65536)
def _index_parts(language: str, word: str) -> tuple[str, ...]:
    """Extra terms indexed at the position of ``word``: hyphen and compound parts."""
    stops = STOP_WORDS[language]
    pieces = _HYPHENS.split(word)
    parts = [p for p in pieces if len(p) >= 2 and p not in stops] if len(pieces) > 1 else []
    if language == "german":
        for piece in parts or [word]:
            parts = [*parts, *compound_parts(piece)]
    joined = "".join(pieces)
    return tuple(dict.fromkeys(p for p in parts if p != joined))


class NormalizeFilter(Filter):
    """Unicode NFC + casefold."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = unicodedata.normalize("NFC", t.text).casefold()
            yield t


class FeminineFilter(Filter):
    """German feminine and gender-marked forms -> masculine form."""

    is_morph = True

    def __call__(self, tokens):
        for t in tokens:
            t.text = _masculine(t.text)
            yield t


class SplitFilter(Filter):
    """Hyphenated words -> joined form; at index time also parts (and compounds).

    Parts get the position and character range of the whole word, so phrase
    queries over the surrounding words are unaffected.
    """

    def __init__(self, language: str):
        self.language = language

    def __call__(self, tokens):
        language = self.language
        for t in tokens:
            word = _GENDER_MARK.sub("", t.text)
            t.text = _HYPHENS.sub("", word)
            t.part = False
            yield t
            if t.mode == "index" and not t.stopped:
                for part in _index_parts(language, word):
                    t.text = part
                    t.part = True
                    yield t
            t.part = False


class SnowballFilter(Filter):
    """Snowball stemming via PyStemmer (cached)."""

    is_morph = True

    def __init__(self, language: str):
        self.language = language

    def __call__(self, tokens):
        language = self.language
        for t in tokens:
            t.text = _stem(language, t.text)
            yield t


class FoldFilter(Filter):
    """Strip remaining diacritics ("café" -> "cafe")."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = _strip_marks(t.text)
            yield t


class SynonymFilter(Filter):
    """Map terms through ``SYNONYMS`` (one canonical term per synonym group).

    Also drops a part that repeats a term of its word ("E-Mail": the part
    "mail" becomes "email" again), so a word counts once in term frequency.
    """

    def __call__(self, tokens):
        seen: set[str] = set()
        for t in tokens:
            text = t.text = SYNONYMS.get(t.text, t.text)
            if not getattr(t, "part", False):
                seen = {text}
            elif text not in seen:
                seen.add(text)
            else:
                continue
            yield t


def _stop_filter(language: str) -> StopFilter:
    return StopFilter(stoplist=STOP_WORDS[language], minsize=2)


def german_analyzer():
    """Analyzer for ``title_de``/``body_de``: see the module docstring."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | NormalizeFilter()
        | _stop_filter("german")
        | FeminineFilter()
        | SplitFilter("german")
        | SnowballFilter("german")
        | FoldFilter()
        | SynonymFilter()
    )


def english_analyzer():
    """Analyzer for ``title_en``/``body_en``: see the module docstring."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | NormalizeFilter()
        | _stop_filter("english")
        | SplitFilter("english")
        | FoldFilter()
        | SnowballFilter("english")
        | SynonymFilter()
    )


def pair_text(first: str, second: str) -> str:
    """The term of two terms at consecutive positions ("neu releas")."""
    return f"{first} {second}"


class PairAnalyzer(Analyzer):
    """Terms at consecutive positions, as pair terms: ``a b`` for every term ``a`` at
    position *p* and term ``b`` at *p + 1* of the wrapped analyzer's stream.

    Hyphen and compound parts share their word's position, so each of them
    pairs with the neighbours too: a pair term exists exactly where a two-word
    phrase query over the wrapped analyzer's positions matches. The Whoosh
    backend indexes these as ``pairs_de``/``pairs_en`` and finds phrases with
    bitmaps instead of walking positions.
    """

    def __init__(self, analyzer):
        self.analyzer = analyzer

    def __repr__(self):
        return f"PairAnalyzer({self.analyzer!r})"

    def clean(self):
        self.analyzer.clean()

    def __call__(self, value, **kwargs):
        kwargs["positions"] = True  # the wrapped chain numbers positions only when asked
        out = Token(positions=False, chars=False, boosts=False, mode=kwargs.get("mode", ""))
        before: list[str] = []  # terms at position ``at - 1``
        here: list[str] = []    # terms at position ``at``
        at = None
        for t in self.analyzer(value, **kwargs):  # Whoosh reuses one Token: copy now
            if t.stopped:
                continue
            if t.pos != at:
                before = here if at is not None and t.pos == at + 1 else []
                here = []
                at = t.pos
            text = t.text
            here.append(text)
            for first in before:
                out.text = pair_text(first, text)
                out.stopped = False
                yield out


_RECORDED = threading.local()
RECORDED_VALUES = 2  # per thread and language: a document's text fields, then the next


class SharedAnalysis(Analyzer):
    """Runs the wrapped analyzer once per text and language, then replays its tokens.

    The Whoosh schema analyses the same text for several fields (``text_de`` for
    scoring, ``pairs_de`` for phrases); indexing is dominated by analysis, so the
    second field replays what the first produced instead of analysing again. The
    tokens are the same, so an index built with or without it is the same. The
    record is per thread and keeps the last ``RECORDED_VALUES`` texts per
    ``language`` key.
    """

    def __init__(self, analyzer, language: str):
        self.analyzer = analyzer
        self.language = language

    def __repr__(self):
        return f"SharedAnalysis({self.analyzer!r}, {self.language!r})"

    def clean(self):
        self.analyzer.clean()

    def _recorded(self, value: str, mode: str, removestops: bool) -> list[tuple]:
        memo = getattr(_RECORDED, "memo", None)
        if memo is None:
            memo = _RECORDED.memo = {}
        key = (self.language, mode, removestops, value)
        found = memo.get(key)
        if found is None:
            found = [
                (t.text, t.pos, t.startchar, t.endchar, t.boost, t.stopped)
                for t in self.analyzer(value, positions=True, chars=True, mode=mode,
                                       removestops=removestops)
            ]
            same_language = [k for k in memo if k[0] == self.language]
            for old in same_language[: max(0, len(same_language) - RECORDED_VALUES + 1)]:
                del memo[old]
            memo[key] = found
        return found

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        if not tokenize or start_pos or start_char or keeporiginal:
            yield from self.analyzer(value, positions=positions, chars=chars,
                                     keeporiginal=keeporiginal, removestops=removestops,
                                     start_pos=start_pos, start_char=start_char,
                                     tokenize=tokenize, mode=mode, **kwargs)
            return
        token = Token(positions=positions, chars=chars, removestops=removestops, mode=mode)
        for text, pos, startchar, endchar, boost, stopped in self._recorded(
                value, mode, removestops):
            token.text, token.boost, token.stopped = text, boost, stopped
            token.pos, token.startchar, token.endchar = pos, startchar, endchar
            yield token


def analyze(analyzer, text: str, mode: str = "query") -> list[str]:
    """Token texts of ``text``; ``mode="index"`` adds hyphen and compound parts."""
    return [t.text for t in analyzer(text, mode=mode)]
