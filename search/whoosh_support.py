"""Helpers of the Whoosh backend: scoring queries, the per-thread searchers, and
opening an index that may be corrupt."""

from __future__ import annotations

import gc
import logging
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from whoosh.matching import IntersectionMatcher, NullMatcher, WrappingMatcher
from whoosh.query import And, AndNot, Every, Or, Phrase, Query, Term
from whoosh.util import make_binary_tree

from search.query import Phrase as PhraseTerms
from search.query import TextQuery, Word

FIELDS = {"de": "text_de", "en": "text_en"}  # positions and frequencies: for scoring

log = logging.getLogger(__name__)


def remember_missing_columns() -> None:
    """Make Whoosh's per-document reader remember that a field has no lengths column.

    Writing a segment asks the reader for each posting's field length; for a
    field without lengths (IDs, keywords, ``Existence`` fields) Whoosh 2.7 then
    checks the disk again, once per posting (a ``stat`` each: a quarter of the
    time of a rebuild). A segment's files do not change once written, so the
    answer "no such column" may be kept like the readers that are kept.
    Idempotent.
    """
    from whoosh.codec import whoosh3

    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_schwarm_remembers_missing", False):
        return
    looked_up = reader_class._cached_reader

    def cached_reader(self, fieldname, column):
        try:
            return self._readers[fieldname]
        except KeyError:
            found = self._readers[fieldname] = looked_up(self, fieldname, column)
            return found

    reader_class._cached_reader = cached_reader
    reader_class._schwarm_remembers_missing = True


class SizedCache:
    """A thread-safe least-recently-used cache bounded by the summed size of its
    values (``size_of``); a value larger than the bound still stays alone."""

    def __init__(self, limit: int, size_of: Callable[[Any], int]):
        self.limit = limit
        self.size_of = size_of
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value cached under ``key``, else ``make()`` (called unlocked), kept."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        found = make()
        with self._lock:
            if key not in self._items:
                self._items[key] = found
                self._size += self.size_of(found)
                while self._size > self.limit and len(self._items) > 1:
                    _, dropped = self._items.popitem(last=False)
                    self._size -= self.size_of(dropped)
        return found

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._items.clear()
            self._size = 0


RUN_CHUNK = 4096  # postings per marshal record in a sorting run


def chunked_posting_runs() -> None:
    """Make Whoosh write its sorting runs as marshal'd chunks, not one pickle per posting.

    A writer that holds more postings than its ``limitmb`` sorts them in runs on
    disk and merges the runs when it commits (a rebuild of 100,000 posts writes
    dozens). Whoosh 2.7 pickles and unpickles every posting on its own, which was
    a fifth of a rebuild's time; a posting is a tuple of str, bytes, int, float
    and bytes (or None), which ``marshal`` writes in lists many times faster.
    The postings and their order are unchanged. Idempotent.
    """
    import marshal

    from whoosh import writing

    pool_class = writing.PostingPool
    if getattr(pool_class, "_schwarm_chunked_runs", False):
        return

    def write_run(self, f, items):
        chunk: list = []
        try:
            for item in items:
                chunk.append(item)
                if len(chunk) >= RUN_CHUNK:
                    marshal.dump(chunk, f)
                    chunk = []
            if chunk:
                marshal.dump(chunk, f)
        finally:
            f.close()

    def read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = marshal.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)

    pool_class._write_run = write_run
    pool_class._read_run = read_run
    pool_class._schwarm_chunked_runs = True


class MemoryReader:
    """A read-only file over a buffer (a slice of the segment's mmap), without
    copying it: ``io.BytesIO`` copies the buffer it is given."""

    def __init__(self, buffer):
        self._view = memoryview(buffer)
        self._position = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(len(self._view),
                                                                   start + size)
        self._position = max(start, end)
        return bytes(self._view[start:end])

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view),
                                                                   self._position + size)
        line = bytearray()
        while self._position < end:
            chunk = bytes(self._view[self._position:min(end, self._position + 256)])
            newline = chunk.find(b"\n")
            if newline >= 0:
                chunk = chunk[:newline + 1]
            line += chunk
            self._position += len(chunk)
            if newline >= 0:
                break
        return bytes(line)

    def __iter__(self):
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._position, len(self._view))[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._view.release()  # so the mmap under it can be closed


def zero_copy_compound_files() -> None:
    """Make Whoosh read the files inside a compound segment from its mmap.

    Whoosh opens each file of a segment (terms, postings, columns) as a
    ``BufferFile`` over a slice of the segment's mmap, and wraps the slice in
    ``io.BytesIO`` for sequential reads, which copies it: every process that
    opened a searcher copied every segment's postings into its memory (about
    0.5 s and 400 MB for a segment of 50,000 documents; the first search after a
    start at a million posts took 24 s). ``get`` already reads from the slice;
    now the sequential reads do too. Idempotent.
    """
    from whoosh.filedb import structfile

    buffer_file = structfile.BufferFile
    if getattr(buffer_file, "_schwarm_zero_copy", False):
        return

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = MemoryReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        return buffer_file(self._buf[position:position + length], name=name or self._name)

    buffer_file.__init__ = __init__
    buffer_file.subset = subset
    buffer_file._schwarm_zero_copy = True


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


class _Gate(WrappingMatcher):
    """Scores its child only at the documents of a bitmap (0 elsewhere)."""

    def __init__(self, child, raw: bytes):
        super().__init__(child)
        self.raw = raw

    def _replacement(self, newchild):
        return _Gate(newchild, self.raw)

    def copy(self):
        return _Gate(self.child.copy(), self.raw)

    def score(self):
        docnum = self.child.id()
        raw = self.raw
        if docnum >> 3 < len(raw) and raw[docnum >> 3] >> (docnum & 7) & 1:
            return self.child.score()
        return 0.0


class GatedPhrase(Query):
    """Scores a phrase like Whoosh's :class:`~whoosh.query.Phrase` (the sum of its
    terms' scores) where ``gate`` (a bitmap of the segment) says it stands, without
    reading positions: which documents hold the phrase was settled with bitmaps
    (:func:`search.whoosh_sets.phrase_bitmaps`). For scoring matches only.
    """

    def __init__(self, fieldname: str, words, gate: int):
        self.fieldname = fieldname
        self.words = list(words)
        self.gate = gate

    def __repr__(self):
        return f"GatedPhrase({self.fieldname!r}, {self.words!r})"

    def __eq__(self, other):
        return (type(other) is type(self) and other.fieldname == self.fieldname
                and other.words == self.words and other.gate == self.gate)

    def __hash__(self):
        return hash((self.fieldname, tuple(self.words), self.gate))

    def estimate_size(self, ixreader):
        return min(ixreader.doc_frequency(self.fieldname, w) for w in self.words)

    def estimate_min_size(self, ixreader):
        return 0

    def matcher(self, searcher, context=None):
        if not self.gate:
            return NullMatcher()
        reader = searcher.reader()
        if any((self.fieldname, w) not in reader for w in self.words):
            return NullMatcher()
        # the same tree as Whoosh's phrase matcher scores with
        terms = [Term(self.fieldname, w).matcher(searcher, context) for w in self.words]
        raw = self.gate.to_bytes((self.gate.bit_length() + 7) // 8, "little")
        return _Gate(make_binary_tree(IntersectionMatcher, terms), raw)


def ranking_query(text: TextQuery, gates: list[dict[str, int]]):
    """The scoring query of one segment: words as in :func:`text_query`, each phrase
    as :class:`GatedPhrase` per analysis, gated by ``gates`` (per phrase, per
    language: the bitmap of documents where it stands). Scores equal those of
    :func:`text_query` on the documents that match."""
    required = [_word_query(w) for w in text.words]
    for phrase, by_language in zip(text.phrases, gates, strict=True):
        parts = []
        for language, field in FIELDS.items():
            terms = list(getattr(phrase, language))
            if len(terms) > 1:
                parts.append(GatedPhrase(field, terms, by_language.get(language, 0)))
            elif terms:
                parts.append(Term(field, terms[0]))
        required.append(Or(parts))
    return And(required) if required else Every()


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
