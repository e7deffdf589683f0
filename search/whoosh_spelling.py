"""Spelling corrections for the Whoosh backend ("did you mean").

Whoosh's corrector compares the word with every indexed word of the same first
letter, computing each edit distance in Python (about 60 µs a word) and
reading the words from disk again each time: 15 to 30 ms for a vocabulary of
3,400 words, seconds for a company's. Here a segment's words of one first
letter are read once (segments never change) and compared in C++ with
rapidfuzz's optimal-string-alignment distance, which is the
Damerau-Levenshtein variant Whoosh uses.

The ranking is the one the backend asked of Whoosh: words one edit away,
most frequent first (ties alphabetical), then words up to two edits away in
the same order. Frequencies are summed over segments, as Whoosh's reader does.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from search.whoosh_support import SizedCache

__all__ = ["CACHE_WORDS", "corrections"]

CACHE_WORDS = 1_000_000  # words kept over all segments and first letters
MAX_DISTANCE = 2

_vocabularies = SizedCache(CACHE_WORDS, lambda found: len(found[0]) + 1)


def corrections(searcher, field: str, word: str, limit: int, prefix: int = 1) -> list[str]:
    """Up to ``limit`` indexed words of ``field`` close to ``word`` (not ``word``
    itself), sharing its first ``prefix`` letters; the closest and most frequent first."""
    frequency: dict[str, int] = {}
    distance: dict[str, int] = {}
    for leaf, _offset in searcher.leaf_searchers():
        words, counts = _vocabulary(leaf.reader(), field, word[:prefix])
        if not words:
            continue
        found = process.cdist([word], words, scorer=OSA.distance, dtype=np.int32,
                              score_cutoff=MAX_DISTANCE, workers=1)[0]
        for at in np.flatnonzero(found <= MAX_DISTANCE):
            close = words[at]
            distance[close] = int(found[at])
            frequency[close] = frequency.get(close, 0) + int(counts[at])
    def ranked(within: int) -> list[str]:
        # As Whoosh's heap: the most frequent, and of equally frequent words at
        # the cut the alphabetically last; then listed most frequent first, A-Z.
        kept = sorted((w for w, d in distance.items() if d <= within),
                      key=lambda w: (frequency[w], w), reverse=True)[:limit]
        # ``word`` itself takes its place in the ranking, then is left out
        return [w for w in sorted(kept, key=lambda w: (-frequency[w], w)) if w != word]

    nearest = ranked(1)
    return (nearest + [w for w in ranked(MAX_DISTANCE) if w not in nearest])[:limit]


def _vocabulary(reader, field: str, prefix: str) -> tuple[list[str], np.ndarray]:
    """A segment's words of ``field`` starting with ``prefix``, with their
    frequencies (cached: a segment's words never change)."""

    def read() -> tuple[list[str], np.ndarray]:
        if field not in reader.schema:
            return [], np.zeros(0, dtype=np.int64)
        from_bytes = reader.schema[field].from_bytes
        words, counts = [], []
        for text, info in reader.iter_prefix(field, prefix):
            words.append(from_bytes(text))
            counts.append(info.weight())
        return words, np.array(counts, dtype=np.int64)

    return _vocabularies.get((reader.segment().segment_id(), field, prefix), read)
