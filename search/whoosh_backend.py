"""The default index backend: Whoosh, in the instance folder.

Each document is analysed twice: ``text_de`` with the German and ``text_en``
with the English analyzer (see :mod:`search.analysis`); a query word matches
if either analysis matches. The title is indexed three times ahead of the
body, so a title match weighs more than a mention in the body (BM25F). Queries
are built from analysed terms (:mod:`search.query`), never by a query parser
over user text.

Phrases: ``pairs_de``/``pairs_en`` index each pair of terms at consecutive
positions of ``text_de``/``text_en`` (:class:`search.analysis.PairAnalyzer`);
a phrase is found from their bitmaps and scored as the sum of its terms, as
Whoosh's phrase query scores it (see :mod:`search.whoosh_sets`). They cost
index size and indexing time (see ``bench/search_bench.py``).

Access: every document stores a ``group`` token (group id, ``none`` for
company-wide, ``signed_in`` for profiles); the viewer's
:class:`~search.backend.Scope` selects the permitted tokens. The set of
permitted matches is computed first (:mod:`search.whoosh_sets`); totals and
facets count it, and candidates are scored (Whoosh's BM25F, computed with
numpy from the postings) only within it, so nothing hidden is ever counted,
ranked or shown.

Pagination: relevance pages go by offset (the top ``offset + limit``
documents are ranked, as Whoosh's own ``search_page`` does); date pages go
by the (created_at, key) of the last hit.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from whoosh import index as whoosh_index
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, FieldType, Schema
from whoosh.formats import Existence
from whoosh.index import LockError
from whoosh.query import Or, Term
from whoosh.util.times import datetime_to_long

from search import (
    whoosh_columns,
    whoosh_postings,
    whoosh_sets,
    whoosh_spelling,
    whoosh_support,
)
from search.analysis import (
    FoldFilter,
    NormalizeFilter,
    PairAnalyzer,
    SharedAnalysis,
    english_analyzer,
    fold,
    german_analyzer,
)
from search.backend import (
    Filters,
    Hit,
    IndexUnavailable,
    PageRequest,
    Results,
    Scope,
    group_token,
)
from search.documents import SearchDocument
from search.query import TextQuery
from search.snippets import snippet
from search.storage import IndexDir
from search.whoosh_support import (
    Searchers,
    quietly,
    ranking_query,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = "8"  # 8: pairs_de/pairs_en (phrases by bitmaps)
TITLE_REPEAT = 3            # title weight, relative to the body
STORE_CHARS = 20_000        # stored for snippets; the whole body is indexed
INDEX_CHARS = 1_000_000
WRITER_TIMEOUT = 10.0
WRITER_ATTEMPTS = 3
# Per writer process: postings are sorted in memory up to this size, then spilled to
# sorted runs on disk (written and read back once more, see chunked_posting_runs).
REBUILD_MEMORY_MB = 512
REBUILD_JOB_DOCS = 200  # documents per job file handed to a worker process

whoosh_support.remember_missing_columns()
whoosh_support.chunked_posting_runs()
whoosh_support.zero_copy_compound_files()
FIELDS = whoosh_sets.TEXT_FIELDS


def schema() -> Schema:
    """The index schema (pickled into the index by Whoosh, with the analyzers)."""
    words = RegexTokenizer(r"\w+") | NormalizeFilter() | FoldFilter()
    return Schema(
        key=ID(unique=True, stored=True, sortable=True),
        type=ID(stored=True, sortable=True),
        obj_id=ID(stored=True),
        group=ID(stored=True, sortable=True),
        author=ID(stored=True, sortable=True),
        tags=KEYWORD(stored=True, commas=True, scorable=False),
        # the same tags as one "a,b,c" column value, for counting the tag facet
        tagset=ID(sortable=True),
        kind=ID(stored=True),
        created_at=DATETIME(stored=True, sortable=True),
        updated_at=STORED,
        title=STORED,
        body=STORED,
        url=STORED,
        extra=STORED,
        text_de=TEXT(analyzer=SharedAnalysis(german_analyzer(), "de")),
        text_en=TEXT(analyzer=SharedAnalysis(english_analyzer(), "en")),
        # title terms alone: which matches have a query word in their title
        title_de=FieldType(Existence(), german_analyzer()),
        title_en=FieldType(Existence(), english_analyzer()),
        # terms at consecutive positions of text_de/text_en ("neu releas"): phrases
        # are found as bitmaps of these (see search.whoosh_sets.phrase_bitmap)
        pairs_de=FieldType(Existence(), PairAnalyzer(SharedAnalysis(german_analyzer(), "de"))),
        pairs_en=FieldType(Existence(), PairAnalyzer(SharedAnalysis(english_analyzer(), "en"))),
        # unstemmed words: the vocabulary of "did you mean"
        spell=TEXT(analyzer=RegexTokenizer(r"[^\W\d_]{3,30}") | LowercaseFilter(),
                   phrase=False),
        # folded title words: search-as-you-type prefixes
        title_words=TEXT(analyzer=words, phrase=False),
    )


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment else None


def fields(doc: SearchDocument) -> dict:
    """The Whoosh fields of a document."""
    title, body = doc.title or "", (doc.body or "")[:INDEX_CHARS]
    text = "\n".join([title] * TITLE_REPEAT + [body])
    return {
        "key": doc.key, "type": doc.type, "obj_id": str(doc.id), "group": group_token(doc),
        "author": doc.author or "", "tags": ",".join(doc.tags), "tagset": ",".join(doc.tags),
        "kind": doc.kind or "", "created_at": _naive(doc.created_at),
        "updated_at": _naive(doc.updated_at), "title": title, "body": body[:STORE_CHARS],
        "url": doc.url, "extra": dict(doc.extra), "text_de": text, "text_en": text,
        "pairs_de": text, "pairs_en": text,
        "title_de": title, "title_en": title,
        "spell": f"{title} {body}", "title_words": title,
    }


class WhooshBackend:
    """Whoosh index in ``root`` (see :mod:`search.storage` for the layout)."""

    name = "whoosh"

    def __init__(self, root: str):
        self.dir = IndexDir(root)
        self._indexes: dict[str, whoosh_index.Index] = {}
        self._open = Searchers()
        self._prepared: set[str] = set()  # large segments whose files this process wrote
        # closes the open files when the app (and this backend) goes away
        weakref.finalize(self, self._open.close_all)

    def close(self) -> None:
        """Close this process's open searchers (they reopen on the next query)."""
        self._open.close_all()

    # --- the writer side -------------------------------------------------------------------

    def writer_lock(self, blocking: bool = False, timeout: float = 0):
        return self.dir.lock(blocking=blocking, timeout=timeout)

    def mark_pending(self) -> None:
        self.dir.mark_pending()

    def take_pending(self) -> bool:
        return self.dir.take_pending()

    def clear_pending(self) -> None:
        self.dir.clear_pending()

    def _index(self):
        """The live index, opened once per generation; None if missing, old or unreadable."""
        path = self.dir.current()
        if path is None:
            return None
        ix = self._indexes.get(str(path))
        if ix is None:
            if self.dir.version(path) != SCHEMA_VERSION:
                return None  # an index of an older schema: rebuilt from the database
            ix = quietly(lambda: whoosh_index.open_dir(str(path)))
            if ix is None:
                return None
            self._indexes = {str(path): ix}
        return ix

    def is_ready(self) -> bool:
        """The live index opens and reads. Checked once per opened generation: opening
        every segment for each drain cost more than the drain's own work."""
        ix = self._index()
        if ix is None:
            return False
        if getattr(ix, "_schwarm_verified", False):
            return True

        def check():
            with ix.searcher():
                return True

        if quietly(check):
            ix._schwarm_verified = True
            return True
        self._indexes = {}
        return False

    def _writer(self, ix):
        # Whoosh's own lock, besides ours: a stale process may still hold it for a moment.
        for attempt in range(WRITER_ATTEMPTS):
            try:
                return ix.writer(timeout=WRITER_TIMEOUT)
            except LockError:
                if attempt == WRITER_ATTEMPTS - 1:
                    raise
                time.sleep(0.5 * (attempt + 1))

    def apply(self, docs: list[SearchDocument], deletes: list[str],
              finalize: Callable[[object], None]) -> None:
        """Upsert and delete by key in one Whoosh commit, then ``finalize``."""
        ix = self._index()
        if ix is None:
            raise IndexUnavailable("no live index")
        writer = self._writer(ix)
        try:
            for key in deletes:
                writer.delete_by_term("key", key)
            for doc in docs:
                writer.update_document(**fields(doc))
        except BaseException:
            writer.cancel()
            self._indexes = {}  # reopened and checked again before the next drain
            raise
        try:
            writer.commit()
        except BaseException:
            self._indexes = {}
            raise
        finalize(None)
        self._prepare_new_files(ix)

    def _prepare_new_files(self, ix) -> None:
        """After a commit: write files only when a large segment appeared (a merge),
        found in the table of contents, without opening every segment per drain."""
        smallest = min(whoosh_columns.PERSIST_FROM, whoosh_postings.PERSIST_FROM)
        large = {segment.segment_id() for segment in ix._segments()
                 if segment.doc_count_all() >= smallest}
        if large - self._prepared:
            self._prepare_files(ix)
            self._prepared = large

    def prepare_live_files(self) -> None:
        """Write what is missing of the column and posting files of the live index
        (the indexer does this when it starts, for an index written before them)."""
        ix = self._index()
        if ix is not None:
            self._prepare_files(ix)

    def _prepare_files(self, ix) -> None:
        """Write the column and posting files of new large segments (a merge makes
        them), so no search has to read Whoosh's columns or the blocks of frequent
        words (see :mod:`search.whoosh_columns`, :mod:`search.whoosh_postings`)."""
        try:
            with ix.reader() as reader:
                whoosh_sets.prepare_files([leaf for leaf, _offset in reader.leaf_readers()])
        except Exception:  # only a speed-up: the searches compute what is missing
            log.exception("search: column and posting files not prepared")

    def rebuild(self, batches: Iterable[list[SearchDocument]],
                processes: int = 1) -> Iterator[int]:
        """Write a complete new generation, then switch the pointer to it.

        With ``processes`` > 1, Whoosh's multiprocessing writer analyses in that
        many forked workers, each writing one segment of the new generation
        (this process only loads and hands over documents).
        """
        generation = self.dir.new_generation()
        writer = None
        try:
            ix = whoosh_index.create_in(str(generation), schema())
            if processes > 1:
                writer = ix.writer(procs=processes, multisegment=True,
                                   limitmb=REBUILD_MEMORY_MB, batchsize=REBUILD_JOB_DOCS)
            else:
                writer = ix.writer(limitmb=REBUILD_MEMORY_MB)
            for batch in batches:
                for doc in batch:
                    writer.add_document(**fields(doc))
                yield len(batch)
            writer.commit()
            writer = None
            self._prepare_files(ix)
        except BaseException:
            if writer is not None:
                writer.cancel()
            self.dir.discard(generation)
            raise
        self.dir.set_version(generation, SCHEMA_VERSION)
        self.dir.publish(generation)
        self._indexes = {}
        self.dir.cleanup()

    # --- the reader side -------------------------------------------------------------------

    @contextmanager
    def _searcher(self):
        """This thread's searcher of the live index, kept open and refreshed when stale."""
        ix = self._index()
        if ix is None:
            raise IndexUnavailable("no live index")
        yield self._open.get(ix)

    @staticmethod
    def _leaves(searcher) -> list[tuple[object, object, int]]:
        leaves = [(s, s.reader(), offset) for s, offset in searcher.leaf_searchers()]
        whoosh_sets.forget_segments(r.segment().segment_id() for _, r, _ in leaves)
        return leaves

    def _matches(self, searcher, scope: Scope, text: TextQuery, filters: Filters):
        """[(reader, bitmap of matches, docnum offset, leaf searcher)] per segment."""
        return [(reader, whoosh_sets.matching(reader, text, filters, scope),
                 offset, leaf) for leaf, reader, offset in self._leaves(searcher)]

    @staticmethod
    def _global_ids(per_segment) -> set[int]:
        return {d + offset for reader, found, offset, _ in per_segment
                for d in whoosh_sets.bitmap_ids(found)}

    @staticmethod
    def _hit(stored: dict, text: TextQuery | None, score: float | None) -> Hit:
        group = stored.get("group", "")
        return Hit(
            key=stored["key"], type=stored["type"], id=stored["obj_id"],
            title=stored.get("title", ""), url=stored.get("url", ""),
            score=round(float(score or 0.0), 4), created_at=_aware(stored.get("created_at")),
            updated_at=_aware(stored.get("updated_at")), author=stored.get("author") or None,
            group_id=int(group) if group.isdigit() else None,
            tags=[t for t in stored.get("tags", "").split(",") if t],
            kind=stored.get("kind") or None, extra=stored.get("extra") or {},
            snippet_html=snippet(stored.get("body", ""), text) if text is not None else "",
        )

    def search(self, scope: Scope, text: TextQuery, filters: Filters,
               page: PageRequest, facets: bool = True) -> Results:
        with self._searcher() as searcher:
            per_segment = self._matches(searcher, scope, text, filters)
            results = Results(total=sum(found.bit_count() for _, found, _, _ in per_segment))
            if facets:
                results.facets = whoosh_sets.facet_counts(per_segment)
            if not results.total:
                return results
            if page.sort == "date":
                after = None
                if page.after is not None:
                    after = (datetime_to_long(_naive(page.after[0])), page.after[1])
                rows = whoosh_sets.newest(per_segment, page.limit + 1, after,
                                          lambda d: searcher.stored_fields(d)["key"])
                results.hits = [self._hit(searcher.stored_fields(d), text, None)
                                for _, _, d in rows[: page.limit]]
                if len(rows) > page.limit:
                    last = results.hits[-1]
                    results.next_after = (last.created_at, last.key)
                return results
            # the match bitmaps settle what matches (exclusions included); score those
            def ranking(reader, found):
                gates = [whoosh_sets.phrase_bitmaps(reader, p, found) for p in text.phrases]
                return ranking_query(text, gates)

            scored = whoosh_sets.top_scored(ranking, per_segment, text,
                                            page.offset + page.limit + 1)
            window = scored[page.offset: page.offset + page.limit + 1]
            results.hits = [self._hit(searcher.stored_fields(d), text, score)
                            for score, d in window[: page.limit]]
            if len(window) > page.limit:
                results.next_offset = page.offset + page.limit
            return results

    def count(self, scope: Scope, text: TextQuery, filters: Filters) -> int:
        with self._searcher() as searcher:
            return sum(found.bit_count()
                       for _, found, _, _ in self._matches(searcher, scope, text, filters))

    def _permitted(self, searcher, scope: Scope, types: tuple[str, ...]) -> set[int]:
        """Global ids of the permitted documents of ``types``."""
        return self._global_ids(self._matches(searcher, scope, TextQuery(),
                                              Filters(types=frozenset(types))))

    def similar(self, scope: Scope, text: str, types: tuple[str, ...], limit: int) -> list[Hit]:
        """Whoosh's more-like-this (key terms of the draft) over both analyses."""
        with self._searcher() as searcher:
            parts = [Term(field, term, boost=weight)
                     for field in FIELDS.values()
                     for term, weight in searcher.key_terms_from_text(field, text, numterms=12)]
            allowed = self._permitted(searcher, scope, types) if parts else set()
            if not allowed:
                return []
            found = searcher.search(Or(parts), filter=allowed, limit=limit)
            return [self._hit(h.fields(), None, h.score) for h in found]

    def suggest(self, scope: Scope, prefix: str, types: tuple[str, ...],
                limit: int) -> tuple[list[Hit], list[tuple[str, int]]]:
        """Titles whose words start like the typed words (newest first), and tags.

        Everything is bitmaps: the completed words, any word with the typed
        prefix (at most :data:`whoosh_sets.PREFIX_TERMS` of them), the types and
        the viewer's scope; no scoring.
        """
        words = fold(prefix).split()
        tag_prefix = prefix.strip().lstrip("#").casefold()
        with self._searcher() as searcher:
            newest: list[tuple[int, int]] = []
            counts: dict[str, int] = {}
            for _leaf, reader, offset in self._leaves(searcher):
                permitted = whoosh_sets.matching(reader, TextQuery(), Filters(), scope)
                if words:
                    found = permitted & whoosh_sets.any_bitmap(reader, "type", types)
                    for word in words[:-1]:
                        found &= whoosh_sets.term_bitmap(reader, "title_words", word)
                    found &= whoosh_sets.prefix_bitmap(reader, "title_words", words[-1])
                    created = whoosh_columns.columns(reader)["created_array"] if found else []
                    newest += [(int(created[d]), d + offset)
                               for d in whoosh_sets.newest_of(reader, found, limit)]
                if tag_prefix and " " not in tag_prefix:
                    for tag in whoosh_sets.prefix_terms(reader, "tags", tag_prefix):
                        n = (whoosh_sets.term_bitmap(reader, "tags", tag) & permitted).bit_count()
                        if n:
                            counts[tag] = counts.get(tag, 0) + n
            hits = [self._hit(searcher.stored_fields(d), None, 0.0)
                    for _, d in sorted(newest, reverse=True)[:limit]]
            tags = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
            return hits, tags

    def corrections(self, word: str, limit: int) -> list[str]:
        with self._searcher() as searcher:
            return whoosh_spelling.corrections(searcher, "spell", word.lower(), limit)
