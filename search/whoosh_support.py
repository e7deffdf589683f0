"""Helpers of the Whoosh backend: scoring queries, the per-thread searchers, and
opening an index that may be corrupt."""

from __future__ import annotations

import gc
import logging
import threading
import warnings

from whoosh.query import And, AndNot, Every, Or, Phrase, Term

from search.query import Phrase as PhraseTerms
from search.query import TextQuery, Word

FIELDS = {"de": "text_de", "en": "text_en"}  # positions and frequencies: for scoring

log = logging.getLogger(__name__)


def _word_query(word: Word):
    return Or([Term(field, getattr(word, lang)) for lang, field in FIELDS.items()
               if getattr(word, lang)])


def phrase_query(phrase: PhraseTerms):
    parts = []
    for language, field in FIELDS.items():
        terms = list(getattr(phrase, language))
        if len(terms) > 1:
            parts.append(Phrase(field, terms))
        elif terms:
            parts.append(Term(field, terms[0]))
    return Or(parts)


def text_query(text: TextQuery):
    """All words and phrases must match (each in either language); exclusions must not."""
    required = [_word_query(w) for w in text.words] + [phrase_query(p) for p in text.phrases]
    query = And(required) if required else Every()
    if text.excluded:
        query = AndNot(query, Or([_word_query(w) for w in text.excluded]))
    return query


def quietly(func):
    """``func()``, or None (logged) if the index is corrupt or half-written.

    Whoosh leaves the table-of-contents file open when it cannot read it; that
    file is collected here instead of warning at some random later moment.
    """
    failed = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return func()
        except Exception as error:
            # no traceback kept in the log record: it would keep the file alive
            log.warning("the search index does not open: %s", repr(error))
            failed = True
        finally:
            if failed:
                gc.collect()
    return None


class Searchers:
    """One open searcher per thread, reopened when the index changed.

    Opening a searcher reads the table of contents and opens every segment
    file, which costs more than a typical query; a searcher is therefore kept
    per thread and only reopened after a commit.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._by_thread: dict[int, tuple[object, object]] = {}

    def get(self, ix):
        me = threading.get_ident()
        entry = self._by_thread.get(me)
        if entry is not None and entry[0] is ix and entry[1].up_to_date():
            return entry[1]
        # Not Searcher.refresh(): it reuses segment readers by segment id and so
        # keeps serving documents deleted since (and re-adds merged segments).
        searcher = ix.searcher()
        with self._lock:
            if entry is not None:
                entry[1].close()
            alive = {t.ident for t in threading.enumerate()}
            for ident in [i for i in self._by_thread if i not in alive]:
                self._by_thread.pop(ident)[1].close()
            self._by_thread[me] = (ix, searcher)
        return searcher

    def close_all(self) -> None:
        with self._lock:
            for _, searcher in self._by_thread.values():
                searcher.close()
            self._by_thread.clear()
