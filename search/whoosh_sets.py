"""Fast match sets for the Whoosh backend: totals, facets, filters, ranking windows.

Whoosh walks posting lists in Python, several microseconds per document and
sub-query; counting, faceting and scoring every match of a common word that
way does not fit a 50 ms budget at 100k documents. So:

* The *set* of permitted matches is computed as bitmaps (Python integers, one
  bit per document of a segment): AND/OR/AND-NOT and counting run in C.
  A term's bitmap is built from its postings once and cached per segment
  (segments are immutable; the key includes the deletion count).
* Phrases are bitmaps too: the index holds every pair of terms at
  consecutive positions (``pairs_de``/``pairs_en``), so a two-word phrase is
  one cached term bitmap; a longer phrase ANDs its pairs and reads positions
  only for what is left (:func:`phrase_bitmaps`). The result equals Whoosh's
  positional phrase query (pinned by ``tests/search/test_phrases.py``).
* Facets are counted from per-segment column arrays over the matched ids
  (:mod:`search.whoosh_columns`, kept in a file beside each large segment).
* Only candidates are ranked, by Whoosh's BM25F computed with numpy: a text
  term's whole posting list (ids and weights) is read once per segment and
  cached (it also gives the term's bitmap), its blocks decoded without their
  positions (:mod:`search.whoosh_blocks`); the candidates' weights are looked
  up with ``searchsorted``, their field lengths come from the segment's length
  column, and the formula and parameters are those of Whoosh's scorer, so the
  scores equal its matcher's (pinned by ``tests/search/test_scoring.py``);
  walking Whoosh's matchers cost some 50 us per candidate. When more than
  :data:`SCORE_ALL` documents match, the candidates are the matches with a
  query word in their title plus the :data:`RECENT_WINDOW` newest matches —
  so for very common words, relevance is computed among title matches and
  recent documents (exact below that size). The windows count across all
  segments of the index. Documented in ``search/__init__``.

Caches are per process: term bitmaps are bounded by :data:`CACHE_BYTES`,
posting lists by :data:`POSTINGS_CACHE_BYTES`; column arrays are kept for the
live segments only.
"""

from __future__ import annotations

import heapq
import pickle
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from itertools import accumulate, pairwise

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.columns import NumericColumn
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25FScorer
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length
from whoosh.util.times import datetime_to_long

from search import backend, whoosh_blocks, whoosh_columns, whoosh_postings
from search.analysis import pair_text
from search.backend import FACET_LIMIT, Filters, Scope
from search.query import TextQuery
from search.whoosh_columns import FACETS, columns
from search.whoosh_support import SizedCache

CACHE_BYTES = 64 * 1024 * 1024
POSTINGS_CACHE_BYTES = 128 * 1024 * 1024
PREFIX_TERMS = 300  # words a search-as-you-type prefix may expand to
TEXT_FIELDS = {"de": "text_de", "en": "text_en"}
PAIR_FIELDS = {"de": "pairs_de", "en": "pairs_en"}
TITLE_FIELDS = {"de": "title_de", "en": "title_en"}
SCORED_FIELDS = frozenset(TEXT_FIELDS.values())
_lock = threading.Lock()
_bitmaps = SizedCache(CACHE_BYTES, lambda bitmap: (bitmap.bit_length() + 7) // 8 + 64)
_postings = SizedCache(POSTINGS_CACHE_BYTES,
                       lambda found: found[0].nbytes + found[1].nbytes + 128)


def to_bitmap(ids: Iterable[int], size: int) -> int:
    """A bitmap (int) with the bits of ``ids`` set."""
    if not isinstance(ids, np.ndarray):
        ids = np.fromiter(ids, dtype=np.int64)
    flags = np.zeros(max(size, 1), dtype=bool)
    flags[ids] = True
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def bitmap_flags(bitmap: int, size: int) -> np.ndarray:
    """``bitmap`` as a boolean array of ``size`` entries (bits beyond it are ignored)."""
    raw = bitmap.to_bytes((bitmap.bit_length() + 7) // 8, "little")
    flags = np.zeros(size, dtype=bool)
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little").view(bool)
    flags[:min(size, len(bits))] = bits[:size]
    return flags


def bitmap_array(bitmap: int) -> np.ndarray:
    """The set bits of ``bitmap``, ascending, as an array."""
    raw = bitmap.to_bytes((bitmap.bit_length() + 7) // 8, "little")
    # as booleans: numpy's nonzero of a bool array is several times faster than of uint8
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little").view(bool)
    return np.flatnonzero(bits)


def bitmap_ids(bitmap: int) -> list[int]:
    """The set bits of ``bitmap``, ascending."""
    return bitmap_array(bitmap).tolist()


def _size(reader) -> int:
    return reader.doc_count_all()


def _cached(reader, field: str, text: Hashable, make: Callable[[], int]) -> int:
    segment = reader.segment()
    return _bitmaps.get((segment.segment_id(), segment.deleted_count(), field, text), make)


def term_bitmap(reader, field: str, text: str) -> int:
    """Live documents of a segment containing ``field:text`` (cached)."""

    def make() -> int:
        ids = None  # a whole posting list, deleted documents included
        if field in SCORED_FIELDS:  # read once for the bitmap and the scores
            ids = term_postings(reader, field, text)[0]
        elif field in whoosh_postings.FIELDS:  # a frequent title word: mapped
            kept = whoosh_postings.lookup(reader, field, text)
            ids = kept[0] if kept is not None else None
        if ids is not None:
            found = to_bitmap(ids, _size(reader)) if len(ids) else 0
            return found & live_bitmap(reader) if reader.has_deletions() else found
        try:
            matcher = reader.postings(field, text)  # skips deleted documents
        except TermNotFound:
            return 0
        if isinstance(matcher, FilterMatcher) and type(matcher.child) is W3LeafMatcher:
            # Whoosh tests each id against the deleted set in Python; the live
            # bitmap does it for the whole list at once
            child = matcher.child
            child.reset()
            return to_bitmap(_all_ids(child), _size(reader)) & live_bitmap(reader)
        return to_bitmap(_all_ids(matcher), _size(reader))

    return _cached(reader, field, text, make)


def _all_ids(matcher) -> Iterable[int]:
    """A posting list's ids, a block at a time when Whoosh's on-disk matcher is used
    directly (no deleted documents to filter): faster than one id per call."""
    if type(matcher) is not W3LeafMatcher:
        return matcher.all_ids()
    blocks = [ids for ids, _weights in _blocks(matcher)]
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int64)


def _blocks(matcher: W3LeafMatcher) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, weights) of each block of Whoosh's on-disk matcher, in order.

    Whoosh has no public block iterator; these are W3LeafMatcher's own steps.
    A block's ids and weights are decoded without its values (positions) where
    :func:`whoosh_blocks.ids_and_weights` knows the block's form, else by
    Whoosh's own reading.
    """
    while not matcher._atend:
        block = None
        if not matcher._byteids:  # docnums, delta-coded (not term vectors)
            datalen = matcher._nextoffset - matcher._dataoffset
            block = whoosh_blocks.ids_and_weights(
                matcher._postfile.get(matcher._dataoffset, datalen),
                matcher._blocklength, bool(matcher._compression))
        if block is None:
            matcher._read_ids()
            matcher._read_weights()
            block = (np.asarray(matcher._ids, dtype=np.int64),
                     np.asarray(matcher._weights, dtype=np.float32))
        yield block
        matcher._next_block()


def live_bitmap(reader) -> int:
    """Every live document of a segment."""

    def make() -> int:
        size = _size(reader)
        if not reader.has_deletions():
            return (1 << size) - 1
        flags = np.ones(size, dtype=bool)
        flags[np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)] = False
        return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")

    return _cached(reader, "", "*live*", make)


def scope_bitmap(reader, tokens: frozenset[str]) -> int:
    """Live documents of a segment whose group token is one of ``tokens``.

    Read from the segment's group column, not OR-ed from one term bitmap per
    group: a viewer may see hundreds of groups, and their bitmaps would crowd
    everything else out of the cache. Cached per segment and set of tokens.
    """

    def make() -> int:
        values, codes = columns(reader)["group_codes"]
        wanted = [code for code, value in enumerate(values) if value in tokens]
        flags = np.isin(codes, np.array(wanted, dtype=np.int32))
        found = int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")
        return found & live_bitmap(reader)

    return _cached(reader, "*scope*", tokens, make)


def _any(reader, field: str, values: Iterable[str]) -> int:
    out = 0
    for value in values:
        out |= term_bitmap(reader, field, value)
    return out


any_bitmap = _any


def prefix_terms(reader, field: str, prefix: str) -> list[str]:
    """Terms of ``field`` starting with ``prefix`` (at most :data:`PREFIX_TERMS`)."""
    found = []
    for term in reader.expand_prefix(field, prefix):
        found.append(term.decode() if isinstance(term, bytes) else term)
        if len(found) >= PREFIX_TERMS:
            break
    return found


def prefix_bitmap(reader, field: str, prefix: str) -> int:
    """Documents with a term starting with ``prefix`` (cached like a term)."""
    return _cached(reader, field, prefix + "*",
                   lambda: _any(reader, field, prefix_terms(reader, field, prefix)))


def _word(reader, word, fields: dict[str, str]) -> int:
    out = 0
    for language, field in fields.items():
        term = getattr(word, language)
        if term:
            out |= term_bitmap(reader, field, term)
    return out


def _values_of(matcher, wanted: set[int]) -> dict[int, bytes]:
    """The raw posting values (encoded positions) of the ``wanted`` documents.

    Whoosh's on-disk matcher is read a block at a time (its own steps, as in
    :func:`_all_ids`): only the blocks holding wanted documents are decoded.
    """
    out: dict[int, bytes] = {}
    if type(matcher) is not W3LeafMatcher:
        while matcher.is_active():
            if matcher.id() in wanted:
                out[matcher.id()] = matcher.value()
            matcher.next()
        return out
    while not matcher._atend:
        if matcher._ids is None:
            matcher._read_ids()
        ids = matcher._ids
        hits = [i for i, docnum in enumerate(ids) if docnum in wanted]
        if hits:
            if matcher._values is None:
                matcher._read_values()
            values = matcher._values
            for i in hits:
                out[ids[i]] = values[i]
        matcher._next_block()
    return out


def _decode_positions(value: bytes) -> set[int]:
    """Positions of a :class:`~whoosh.formats.Positions` posting (Whoosh's own
    decoding, without its per-call overhead)."""
    if not value.endswith(b"."):
        value += b"."
    return set(accumulate(pickle.loads(value[_INT_SIZE:])))


def _phrase_positions(reader, field: str, terms: tuple[str, ...], candidates: int) -> int:
    """The candidates where ``terms`` stand at consecutive positions of ``field``.

    Reads only the candidates' positions, term by term, keeping the documents
    (and start positions) that still fit: no walking of the documents in
    between, unlike Whoosh's phrase matcher.
    """
    posting_format = reader.schema[field].format
    decode = (_decode_positions if type(posting_format) is Positions
              else posting_format.decode_positions)
    starts: dict[int, set[int]] = {}
    for offset, term in enumerate(terms):
        try:
            matcher = reader.postings(field, term)
        except TermNotFound:
            return 0
        wanted = set(bitmap_ids(candidates)) if offset == 0 else set(starts)
        values = _values_of(matcher, wanted)
        if offset == 0:
            starts = {d: set(decode(v)) for d, v in values.items()}
        else:
            left = {}
            for docnum, begin in starts.items():
                value = values.get(docnum)
                if value is not None:
                    begin = begin & {p - offset for p in decode(value)}
                    if begin:
                        left[docnum] = begin
            starts = left
        if not starts:
            return 0
    return to_bitmap(starts, _size(reader))


def _phrase_terms_bitmap(reader, language: str, field: str, terms: tuple[str, ...]) -> int:
    """Documents of a segment with ``terms`` (2 or more) in a row (cached like terms)."""

    def make() -> int:
        every = -1
        for first, second in pairwise(terms):
            every &= term_bitmap(reader, PAIR_FIELDS[language], pair_text(first, second))
            if not every:
                return 0
        if len(terms) > 2:
            every = _phrase_positions(reader, field, terms, every)
        return every & live_bitmap(reader)

    if len(terms) == 2:
        return term_bitmap(reader, PAIR_FIELDS[language], pair_text(*terms))
    return _cached(reader, field, "\x00phrase " + " ".join(terms), make)


def phrase_bitmaps(reader, phrase, within: int = -1) -> dict[str, int]:
    """Per analysis ("de"/"en"): documents of ``within`` where the phrase's terms stand
    in order.

    Two terms are one lookup of their pair term (``pairs_de``/``pairs_en``,
    see :class:`search.analysis.PairAnalyzer`); longer phrases AND their
    consecutive pairs, and only those candidates are checked by positions.
    A phrase of one term (in one analysis) is that term.
    """
    out = {}
    for language, field in TEXT_FIELDS.items():
        terms = getattr(phrase, language)
        if not terms:
            continue
        if len(terms) == 1:
            out[language] = term_bitmap(reader, field, terms[0]) & within
            continue
        out[language] = _phrase_terms_bitmap(reader, language, field, terms) & within
    return out


def phrase_bitmap(reader, phrase, within: int = -1) -> int:
    """Documents of ``within`` where the phrase stands (in either analysis)."""
    out = 0
    for found in phrase_bitmaps(reader, phrase, within).values():
        out |= found
    return out


def matching(reader, text: TextQuery, filters: Filters, scope: Scope) -> int:
    """Bitmap of a segment's permitted documents matching ``text`` and ``filters``."""
    parts = [_word(reader, w, TEXT_FIELDS) for w in text.words]
    if scope.tokens is not None:
        parts.append(scope_bitmap(reader, scope.tokens))
    if filters.types:
        parts.append(_any(reader, "type", filters.types))
    if filters.group_ids:
        parts.append(_any(reader, "group", (str(g) for g in filters.group_ids)))
    if filters.authors:
        parts.append(_any(reader, "author", filters.authors))
    if filters.tags:
        parts.append(_any(reader, "tags", filters.tags))
    found = live_bitmap(reader)  # postings hold live documents only; this is for "all"
    for part in parts:
        found &= part
        if not found:
            return 0
    for phrase in text.phrases:  # last: longer phrases check positions of what is left
        found = phrase_bitmap(reader, phrase, found)
        if not found:
            return 0
    for word in text.excluded:
        found &= ~_word(reader, word, TEXT_FIELDS)
    if found and (filters.since or filters.until):
        created = columns(reader)["created_array"]
        ids = bitmap_array(found)
        if filters.since:
            ids = ids[created[ids] >= datetime_to_long(filters.since)]
        if filters.until:
            ids = ids[created[ids] < datetime_to_long(filters.until)]
        found = to_bitmap(ids, _size(reader))
    return found


def title_bitmap(reader, text: TextQuery) -> int:
    """Documents with any query word (or phrase word) in their title."""
    out = 0
    for word in text.words:
        out |= _word(reader, word, TITLE_FIELDS)
    for phrase in text.phrases:
        for language, field in TITLE_FIELDS.items():
            for term in getattr(phrase, language):
                out |= term_bitmap(reader, field, term)
    return out


def newest_of(reader, bitmap: int, count: int) -> list[int]:
    """Up to ``count`` documents of ``bitmap``, newest first."""
    if not bitmap:
        return []
    cols = columns(reader)
    if bitmap.bit_count() <= 20 * count:  # few: sort them; many: walk the newest first
        ids = bitmap_array(bitmap)
        return ids[np.argsort(-cols["created_array"][ids], kind="stable")][:count].tolist()
    out: list[int] = []
    for chunk in _newest_matches(cols, bitmap):
        out += chunk[:count - len(out)].tolist()
        if len(out) >= count:
            break
    return out


NEWEST_CHUNK = 65536


def _newest_matches(cols: dict, bitmap: int) -> Iterable[np.ndarray]:
    """The documents of ``bitmap``, newest first, a chunk of the newest list at a time."""
    newest = cols["newest_array"]
    flags = bitmap_flags(bitmap, len(newest))
    for start in range(0, len(newest), NEWEST_CHUNK):
        chunk = newest[start:start + NEWEST_CHUNK]
        chosen = chunk[flags[chunk]]
        if len(chosen):
            yield chosen


def _newest_across(per_segment, bitmaps: list[int], count: int) -> list[tuple[int, int]]:
    """The ``count`` newest (segment index, docnum) of per-segment ``bitmaps``."""
    newest = []
    for index, ((reader, _found, _offset, _leaf), bitmap) in enumerate(
            zip(per_segment, bitmaps, strict=True)):
        if bitmap:
            created = columns(reader)["created_array"]
            newest += [(int(created[d]), index, d) for d in newest_of(reader, bitmap, count)]
    newest.sort(reverse=True)
    return [(index, docnum) for _, index, docnum in newest[:count]]


def candidates(per_segment, text: TextQuery) -> list[list[int]]:
    """What the scorer looks at, per segment: every match, or when more than
    ``SCORE_ALL`` match in all segments together, the ``TITLE_WINDOW`` newest
    title matches and the ``RECENT_WINDOW`` newest matches of all segments (the
    windows are the index's, not each segment's: a rebuild in several processes
    leaves several large segments)."""
    founds = [found for _reader, found, _offset, _leaf in per_segment]
    if sum(found.bit_count() for found in founds) <= backend.SCORE_ALL:
        return [bitmap_ids(found) if found else [] for found in founds]
    titled = [found & title_bitmap(reader, text) if found else 0
              for reader, found, _offset, _leaf in per_segment]
    chosen: list[set[int]] = [set() for _ in per_segment]
    for bitmaps, window in ((titled, backend.TITLE_WINDOW), (founds, backend.RECENT_WINDOW)):
        for index, docnum in _newest_across(per_segment, bitmaps, window):
            chosen[index].add(docnum)
    return [sorted(each) for each in chosen]


def _lengths(reader, field: str) -> np.ndarray | None:
    """The field lengths of a segment's documents as BM25F reads them (cached with
    the segment's columns), or None if the column cannot be read in one piece."""
    cols = columns(reader)
    key = "length:" + field
    if key not in cols:
        found = None
        perdoc = getattr(reader, "_perdoc", None)  # what doc_field_length reads
        column = (perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                  if isinstance(perdoc, W3PerDocReader) else None)
        # Whoosh's own layout of a one-byte column: the bytes of the documents that
        # have one, in docnum order, then nothing (default 0) for the rest
        if isinstance(column, NumericColumn.Reader) and column._fixedlen == 1:
            raw = np.zeros(_size(reader), dtype=np.uint8)
            stored = column._dbfile.get(column._basepos, column._count)
            raw[:len(stored)] = np.frombuffer(stored, dtype=np.uint8)
            found = _BYTE_LENGTHS[raw]
        with _lock:
            cols[key] = found
    return cols[key]


_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def term_postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights) of the whole posting list of ``field:text`` in a segment,
    deleted documents included (cached per segment).

    Deleting documents does not change a segment's postings, so unlike bitmaps
    the cache key has no deletion count: after an edit deletes the old version
    of a document, the term bitmaps are derived again from these arrays
    instead of being read from disk. Whoosh's on-disk matcher is read a block
    at a time (:func:`_blocks`), its delta-coded ids summed by numpy.
    """
    kept = whoosh_postings.lookup(reader, field, text)  # a frequent word: mapped, not cached
    if kept is not None:
        return kept
    return _postings.get((reader.segment().segment_id(), field, text),
                         lambda: _read_postings(reader, field, text))


def _read_postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        matcher = reader.postings(field, text)
    except TermNotFound:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    if isinstance(matcher, FilterMatcher) and type(matcher.child) is W3LeafMatcher:
        matcher = matcher.child  # it only hides deleted documents; kept here
        matcher.reset()  # the filter moved it past the leading deleted ones
    if type(matcher) is not W3LeafMatcher:
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)
    blocks = list(_blocks(matcher))
    if not blocks:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return (np.concatenate([ids for ids, _ in blocks]).astype(np.int32),
            np.concatenate([weights for _, weights in blocks]))


def _candidate_weights(reader, field: str, term: str,
                       wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(present, weight): whether each of ``wanted`` (ascending live docnums of the
    segment) has ``field:term``, and the posting's weight (term frequency) there."""
    ids, weights = term_postings(reader, field, term)
    if not len(ids):
        return np.zeros(len(wanted), dtype=bool), np.zeros(len(wanted), dtype=np.float64)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    present = ids[at] == wanted
    return present, np.where(present, weights[at], 0).astype(np.float64)


def _term_scores(leaf, reader, field: str, term: str, wanted: np.ndarray) -> np.ndarray:
    """BM25F score of ``field:term`` at each of ``wanted`` (0 where it is absent),
    with the parameters of Whoosh's own scorer for this leaf searcher."""
    out = np.zeros(len(wanted), dtype=np.float64)
    if (field, term) not in reader:
        return out
    present, weights = _candidate_weights(reader, field, term, wanted)
    if not present.any():
        return out
    scorer = leaf.weighting.scorer(leaf, field, term)
    where = wanted[present]
    lengths = _lengths(reader, field)
    if lengths is not None:
        fl = lengths[where]
    else:
        fl = np.array([leaf.doc_field_length(d, field, 1) for d in where.tolist()],
                      dtype=np.float64)
    tf = weights[present]
    if type(scorer) is BM25FScorer:
        # the operations of whoosh.scoring.bm25, in its order, on float64: equal results
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        out[present] = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
    else:
        out[present] = [scorer._score(w, n) for w, n in zip(tf.tolist(), fl.tolist(),
                                                               strict=True)]
    return out


def candidate_scores(leaf, reader, text: TextQuery, found: int,
                     wanted: np.ndarray) -> np.ndarray:
    """Scores of :func:`search.whoosh_support.ranking_query` at ``wanted`` (matches of
    the segment, ascending), computed term by term instead of by walking matchers.

    A word scores the sum of its terms (German and English analysis) present in
    the document; a phrase of several terms scores the sum of its terms where the
    phrase stands (its bitmap, :func:`phrase_bitmaps`), a phrase of one term that
    term's score.
    """
    total = np.zeros(len(wanted), dtype=np.float64)
    for word in text.words:
        for language, field in TEXT_FIELDS.items():
            term = getattr(word, language)
            if term:
                total += _term_scores(leaf, reader, field, term, wanted)
    for phrase in text.phrases:
        gates = phrase_bitmaps(reader, phrase, found)
        for language, field in TEXT_FIELDS.items():
            terms = list(getattr(phrase, language))
            if len(terms) == 1:
                total += _term_scores(leaf, reader, field, terms[0], wanted)
            elif terms and gates.get(language) and all((field, t) in reader for t in terms):
                gate = bitmap_flags(gates[language], _size(reader))[wanted]
                for term in terms:
                    total += np.where(gate, _term_scores(leaf, reader, field, term, wanted),
                                      0.0)
    return total


def top_scored(ranking: Callable[[object, int], object], per_segment, text: TextQuery,
               count: int) -> list[tuple[float, int]]:
    """The ``count`` best (score, global docnum) among the candidates, best first
    (equal scores: lower docnum first).

    Scores are BM25F as Whoosh computes them for ``ranking(reader, found)``, the
    scoring query of a segment (its phrases gated by their match bitmaps, see
    :func:`search.whoosh_support.ranking_query`); with words or phrases they are
    computed for all candidates at once (:func:`candidate_scores`); a query of
    filters alone is scored by Whoosh's matcher.
    """
    if not text.words and not text.phrases:
        return _top_scored_by_matcher(ranking, per_segment, text, count)
    scores, docnums = [], []
    for (reader, found, offset, leaf), chosen in zip(per_segment, candidates(per_segment, text),
                                                      strict=True):
        if chosen:
            wanted = np.asarray(chosen, dtype=np.int64)
            scores.append(candidate_scores(leaf, reader, text, found, wanted))
            docnums.append(wanted + offset)
    if not scores:
        return []
    score, docnum = np.concatenate(scores), np.concatenate(docnums)
    best = np.lexsort((docnum, -score))[:count]
    return list(zip(score[best].tolist(), docnum[best].tolist(), strict=True))


def _top_scored_by_matcher(ranking, per_segment, text: TextQuery,
                           count: int) -> list[tuple[float, int]]:
    """:func:`top_scored` with Whoosh's scoring matcher moved from one candidate to
    the next with ``skip_to``; once ``count`` documents are held, blocks that
    cannot beat the weakest are skipped by block quality."""
    heap: list[tuple[float, int]] = []
    for (reader, found, offset, leaf), chosen in zip(per_segment, candidates(per_segment, text),
                                                      strict=True):
        if not chosen:
            continue
        matcher = ranking(reader, found).matcher(leaf, leaf.context())
        quality = matcher.supports_block_quality()
        for docnum in chosen:
            if not matcher.is_active():
                break
            if quality and len(heap) >= count:
                matcher.skip_to_quality(heap[0][0])
                if not matcher.is_active():
                    break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() != docnum:
                continue
            item = (matcher.score(), -(docnum + offset))
            if len(heap) < count:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
    return [(score, -negative) for score, negative in sorted(heap, reverse=True)]


def newest(per_segment, limit: int, after: tuple[int, str] | None,
           key_of: Callable[[int], str]) -> list[tuple[int, str, int]]:
    """Up to ``limit`` matches by (created_at, key) descending, after the cursor.

    Returns (created, key, global docnum); ``after`` is (created, key).
    """
    streams = [_newest_stream(columns(reader), found, offset, after)
               for reader, found, offset, _ in per_segment if found]
    rows: list[tuple[int, str, int]] = []
    group: list[tuple[int, str, int]] = []
    for stamp, docnum in heapq.merge(*streams, key=lambda item: item[0], reverse=True):
        if group and stamp != group[0][0]:
            rows += sorted(group, reverse=True)
            group = []
            if len(rows) >= limit:
                break
        entry = (stamp, key_of(docnum), docnum)
        if after is None or (entry[0], entry[1]) < after:
            group.append(entry)
    rows += sorted(group, reverse=True)
    return rows[:limit]


def _newest_stream(cols: dict, found: int, offset: int, after):
    """(created, global docnum) of one segment's matches, newest first."""
    created = cols["created_array"]
    for chunk in _newest_matches(cols, found):
        stamps = created[chunk]
        if after is not None:
            keep = stamps <= after[0]
            chunk, stamps = chunk[keep], stamps[keep]
        yield from zip(stamps.tolist(), (chunk + offset).tolist(), strict=True)


class _FacetValues:
    """The values of one facet across segments, each with a code of this process
    that never changes, so counts of several segments add up as arrays.

    Segments never change, so each one's map from its own codes to these is
    made once (kept with its columns). Values are never forgotten: there are
    as many as there are types, groups, authors and tags.
    """

    def __init__(self, counted: Callable[[str], bool]):
        self.codes: dict[str, int] = {}
        self.values: list[str] = []
        self.uncounted: list[int] = []  # codes of values no facet shows
        self.counted = counted
        self.lock = threading.Lock()

    def codes_of(self, values: list[str]) -> np.ndarray:
        """Our code of each of ``values`` (new values get new codes)."""
        out = np.empty(len(values), dtype=np.int64)
        with self.lock:
            for at, value in enumerate(values):
                code = self.codes.get(value)
                if code is None:
                    code = self.codes[value] = len(self.values)
                    self.values.append(value)
                    if not self.counted(value):
                        self.uncounted.append(code)
                out[at] = code
        return out

    def top(self, counted: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[str, int]]:
        """The ``FACET_LIMIT`` most frequent values (most first, equal counts by
        value) of segments' counts: (our codes of a segment's values, count of each)."""
        if not counted:
            return []
        with self.lock:
            size, uncounted = len(self.values), list(self.uncounted)
        total = np.zeros(size, dtype=np.int64)
        for codes, counts in counted:
            total[codes] += counts  # a segment's values are distinct: no code twice
        total[uncounted] = 0
        present = np.flatnonzero(total)
        if len(present) > FACET_LIMIT:  # only the counts that can make the cut
            cut = np.partition(total[present], -FACET_LIMIT)[-FACET_LIMIT]
            present = present[total[present] >= cut]
        items = [(self.values[code], int(total[code])) for code in present.tolist()]
        items.sort(key=lambda item: (-item[1], item[0]))
        return items[:FACET_LIMIT]


_facet_values = {name: _FacetValues(
    (lambda value: value.isdigit()) if name == "group" else bool) for name in FACETS}


def _facet_codes(cols: dict, name: str) -> np.ndarray:
    """A segment's map from its codes of facet ``name`` to the process's codes."""
    key = "facet_codes:" + name
    found = cols.get(key)
    if found is None:
        values, _codes = cols[f"{name}_codes"]
        found = _facet_values[name].codes_of(values)
        with _lock:
            found = cols.setdefault(key, found)
    return found


def facet_counts(per_segment) -> dict[str, list[tuple[str, int]]]:
    """Counts of type, group, author and tag over the matched documents: the
    ``FACET_LIMIT`` most frequent values of each (most first, equal counts by
    value); empty values, and groups that are not a group id, are not counted.

    Each segment is counted in its own codes, then added up in the process's
    (:class:`_FacetValues`); tags are counted per set of tags (the trie of
    :func:`search.whoosh_columns.tag_trie`), not per tag entry.
    """
    counted: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {name: [] for name in FACETS}
    for reader, found, _offset, _leaf in per_segment:
        if not found:
            continue
        cols = columns(reader)
        ids = bitmap_array(found)
        for name in ("type", "group", "author"):
            values, codes = cols[f"{name}_codes"]
            counted[name].append((_facet_codes(cols, name),
                                  np.bincount(codes[ids], minlength=len(values))))
        values, codes = cols["tag_codes"]
        if len(codes):
            counted["tag"].append((_facet_codes(cols, "tag"), _tag_counts(cols, ids, len(values))))
    return {name: _facet_values[name].top(counted[name]) for name in FACETS}


def _tag_counts(cols: dict, ids: np.ndarray, distinct: int) -> np.ndarray:
    """How many of documents ``ids`` have each tag (by the segment's tag code):
    documents counted per node of the tag trie, each node's count added to its
    parent's, deepest first, then summed per tag code."""
    parent, code = cols["tag_node_parent"], cols["tag_node_code"]
    nodes = np.bincount(cols["tag_doc_node"][ids], minlength=len(parent))
    levels = cols["tag_levels"].tolist()
    for low, high in reversed(list(pairwise(levels))[1:]):  # not the root's level
        nodes += np.bincount(parent[low:high], weights=nodes[low:high],
                             minlength=len(nodes)).astype(np.int64)
    return np.bincount(code[1:], weights=nodes[1:], minlength=distinct).astype(np.int64)


def prepare_files(readers: list) -> None:
    """Write the column and posting files of large segments that have none
    (:mod:`search.whoosh_columns`, :mod:`search.whoosh_postings`)."""
    whoosh_columns.prepare(readers)
    whoosh_postings.prepare(readers, _read_postings)


def forget_segments(keep: Iterable[str]) -> None:
    """Drop the per-process column arrays and posting maps of segments that are
    no longer live."""
    keep = set(keep)
    whoosh_columns.forget(keep)
    whoosh_postings.forget(keep)
