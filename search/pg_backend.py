"""The scale backend: PostgreSQL full-text search (``SEARCH_BACKEND=postgres``).

Documents live in ``search_document`` with two tsvector columns (``tsv_de``,
``tsv_en``, GIN-indexed) built from the same German/English analysis as the
Whoosh backend (see :mod:`search.pg_terms` for why). A query word matches if
``tsv_de`` or ``tsv_en`` contains it; every word must match; rank is
``ts_rank`` over both vectors, title lexemes weighted A and body B. Snippets
come from ``ts_headline`` (``german`` configuration) over HTML-escaped text,
so only our ``<mark>`` is markup. Access is a WHERE clause on ``group_id``
and ``audience`` built from the viewer's :class:`~search.backend.Scope`.

One writer at a time: a session-level advisory lock, taken without waiting.
Index rows and the outbox rows they came from are committed in one
transaction, so a crash can never lose or half-apply a change.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html import escape

from sqlalchemy import (
    Text,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.dialects.postgresql import insert as pg_insert

from schwarm.db import UTCDateTime, utcnow
from schwarm.extensions import db
from search import backend, pg_terms
from search.analysis import fold
from search.backend import (
    FACET_LIMIT,
    Filters,
    Hit,
    PageRequest,
    Results,
    Scope,
)
from search.documents import SearchDocument
from search.pg_sql import (
    ROW_COLUMNS,
    T,
    W,
    escaped,
    rank_of,
    scope_condition,
    title_condition,
    to_hit,
    tsquery,
    where_clause,
)
from search.query import TextQuery, analyse_word
from search.snippets import SNIPPET_CHARS

LOCK_KEY = 0x5343_4857_4152_4D01  # pg advisory lock id of the index writer
HEADLINE_CHARS = 20_000
HEADLINE_OPTIONS = ("StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, "
                    "MaxFragments=2, FragmentDelimiter=\" … \"")


class PostgresBackend:
    """The search interface on PostgreSQL full-text search."""

    name = "postgres"

    def close(self) -> None:
        """Nothing to close: connections belong to the app's engine."""

    # --- the writer side -------------------------------------------------------------------

    @contextmanager
    def writer_lock(self, blocking: bool = False, timeout: float = 0) -> Iterator[bool]:
        connection = db.engine.connect()
        held = False
        try:
            deadline = time.monotonic() + timeout
            while True:
                held = bool(connection.scalar(select(func.pg_try_advisory_lock(LOCK_KEY))))
                connection.commit()
                if held or not blocking or time.monotonic() >= deadline:
                    break
                time.sleep(0.1)
            yield held
        finally:
            try:
                if held:
                    connection.scalar(select(func.pg_advisory_unlock(LOCK_KEY)))
                    connection.commit()
            except Exception:
                connection.invalidate()  # a pooled connection must not keep the lock
                raise
            finally:
                connection.close()

    def mark_pending(self) -> None:
        """Nothing to mark: :meth:`take_pending` always asks the database."""

    def take_pending(self) -> bool:
        return True

    def clear_pending(self) -> None:
        """See :meth:`mark_pending`."""

    def is_ready(self) -> bool:
        return True  # the table is the index; it exists once migrated

    @staticmethod
    def _rows(docs: Iterable[SearchDocument], indexed_at) -> list[dict]:
        return [{
            "key": d.key, "type": d.type, "obj_id": str(d.id), "title": d.title or "",
            "body": d.body or "", "url": d.url, "author": d.author, "group_id": d.group_id,
            "audience": d.audience, "tags": list(d.tags), "kind": d.kind,
            "created_at": d.created_at, "updated_at": d.updated_at, "indexed_at": indexed_at,
            "extra": dict(d.extra),
            "tsv_de": pg_terms.tsvector("de", d.title, d.body),
            "tsv_en": pg_terms.tsvector("en", d.title, d.body, d.tags),
        } for d in docs]

    def _upsert(self, connection, docs: list[SearchDocument], indexed_at) -> None:
        if not docs:
            return
        unique = list({d.key: d for d in docs}.values())
        statement = pg_insert(T).values(self._rows(unique, indexed_at))
        columns = {c.name: statement.excluded[c.name] for c in T.columns if c.name != "key"}
        connection.execute(statement.on_conflict_do_update(index_elements=["key"],
                                                           set_=columns))
        vocabulary = sorted({w for d in unique for w in pg_terms.words(d.title, d.body)})
        if vocabulary:
            connection.execute(
                text("INSERT INTO search_word (word) SELECT unnest(CAST(:words AS text[])) "
                     "ON CONFLICT DO NOTHING"), {"words": vocabulary})

    def apply(self, docs: list[SearchDocument], deletes: list[str],
              finalize: Callable[[object], None]) -> None:
        with db.engine.begin() as connection:
            if deletes:
                connection.execute(delete(T).where(T.c.key.in_(deletes)))
            self._upsert(connection, docs, utcnow())
            finalize(connection)

    def rebuild(self, batches: Iterable[list[SearchDocument]],
                processes: int = 1) -> Iterator[int]:
        """Upsert everything in batches (the table serves meanwhile), then drop the rest.

        ``processes`` is ignored: the terms are computed while loading.
        """
        started = utcnow()
        for batch in batches:
            with db.engine.begin() as connection:
                self._upsert(connection, batch, utcnow())
            yield len(batch)
        with db.engine.begin() as connection:
            connection.execute(delete(T).where(T.c.indexed_at < started))
        # fresh lexeme statistics: without them the planner guesses a common word
        # matches a few hundred rows and picks slow plans
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE search_document"))

    # --- the reader side -------------------------------------------------------------------

    def search(self, scope: Scope, query: TextQuery, filters: Filters,
               page: PageRequest, facets: bool = True) -> Results:
        where = where_clause(scope, query, filters)
        results = Results()
        if facets:
            results.total, results.facets = self._facets(where)
        else:
            results.total = self._count(where)
        rank = rank_of(query)
        inner = select(*ROW_COLUMNS, func.left(T.c.body, HEADLINE_CHARS).label("body"),
                       rank.label("score")).where(where)
        if page.sort == "date":
            if page.after is not None:
                stamp, key = page.after
                inner = inner.where(tuple_(T.c.created_at, T.c.key)
                                    < tuple_(literal(stamp, UTCDateTime()), literal(key)))
            inner = inner.order_by(T.c.created_at.desc(), T.c.key.desc()).limit(page.limit + 1)
        else:
            if results.total > backend.SCORE_ALL and not query.empty:
                newest = (T.c.created_at.desc(), T.c.key.desc())
                recent = select(T.c.key).where(where).order_by(*newest).limit(
                    backend.RECENT_WINDOW)
                titled = select(T.c.key).where(where, title_condition(query)).order_by(
                    *newest).limit(backend.TITLE_WINDOW)
                inner = inner.where(T.c.key.in_(union(recent, titled).subquery().select()))
            inner = inner.order_by(rank.desc(), T.c.key).limit(page.limit + 1).offset(
                page.offset)
        sub = inner.subquery()
        words = [w.text for w in query.words] + [p.text for p in query.phrases]
        if words:  # a subquery with LIMIT: headlines only for this page's rows
            said = " or ".join(words)
            headline_query = func.websearch_to_tsquery(cast(literal("german"), REGCONFIG), said)
            headline_query = headline_query.op("||")(
                func.websearch_to_tsquery(cast(literal("simple"), REGCONFIG), said))
            snippet = func.ts_headline(cast(literal("german"), REGCONFIG), escaped(sub.c.body),
                                       headline_query, HEADLINE_OPTIONS)
        else:
            snippet = literal("")
        order = ((sub.c.created_at.desc(), sub.c.key.desc()) if page.sort == "date"
                 else (sub.c.score.desc(), sub.c.key))
        rows = db.session.execute(select(sub, snippet.label("snippet")).order_by(*order)).all()
        hits = [to_hit(row, row.snippet or self._plain(row.body)) for row in rows[: page.limit]]
        if page.sort == "date":
            for hit in hits:
                hit.score = 0.0
        results.hits = hits
        if len(rows) > page.limit:
            if page.sort == "date":
                results.next_after = (hits[-1].created_at, hits[-1].key)
            else:
                results.next_offset = page.offset + page.limit
        return results

    @staticmethod
    def _plain(body: str) -> str:
        text = " ".join((body or "").split())
        cut = text[:SNIPPET_CHARS]
        return escape(cut) + (" …" if len(text) > SNIPPET_CHARS else "")

    def _facets(self, where) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """Total and facet counts over the permitted matches, in one statement."""
        matched = select(T.c.type, T.c.group_id, T.c.author, T.c.tags).where(where).cte(
            "matched").prefix_with("MATERIALIZED")
        tag = func.unnest(matched.c.tags).table_valued("value").render_derived(name="tag")
        parts = union_all(
            select(literal("total").label("facet"), literal("").label("value"),
                   func.count().label("n")).select_from(matched),
            select(literal("type"), matched.c.type, func.count()).group_by(matched.c.type),
            select(literal("group"), cast(matched.c.group_id, Text), func.count())
            .where(matched.c.group_id.is_not(None)).group_by(matched.c.group_id),
            select(literal("author"), matched.c.author, func.count())
            .where(matched.c.author.is_not(None)).group_by(matched.c.author),
            select(literal("tag"), tag.c.value, func.count()).select_from(matched)
            .join(tag, true()).group_by(tag.c.value),
        ).subquery()
        ranked = select(parts.c.facet, parts.c.value, parts.c.n, func.row_number().over(
            partition_by=parts.c.facet, order_by=(parts.c.n.desc(), parts.c.value)).label("r")
        ).subquery()
        rows = db.session.execute(select(ranked.c.facet, ranked.c.value, ranked.c.n)
                                  .where(ranked.c.r <= FACET_LIMIT)
                                  .order_by(ranked.c.facet, ranked.c.r)).all()
        total = 0
        facets: dict[str, list[tuple[str, int]]] = {"type": [], "group": [], "author": [],
                                                     "tag": []}
        for facet, value, n in rows:
            if facet == "total":
                total = n
            elif value:
                facets[facet].append((value, n))
        return total, facets

    def _count(self, where) -> int:
        return db.session.scalar(select(func.count()).select_from(T).where(where)) or 0

    def count(self, scope: Scope, query: TextQuery, filters: Filters) -> int:
        return self._count(where_clause(scope, query, filters))

    def similar(self, scope: Scope, text_: str, types: tuple[str, ...], limit: int) -> list[Hit]:
        """The draft's most frequent words (longer first) OR-ed, ranked by ts_rank."""
        queries = {}
        for language in ("de", "en"):
            counts = Counter(t.text for t in pg_terms.analyzer(language)(text_)
                             if len(t.text) >= 3)
            best = sorted(counts, key=lambda t: (-counts[t], -len(t), t))[:12]
            queries[language] = " | ".join(pg_terms.quote(t) for t in best) or None
        if not any(queries.values()):
            return []
        rank_parts, match = [], []
        for language, column in (("de", T.c.tsv_de), ("en", T.c.tsv_en)):
            if queries[language]:
                q = tsquery(queries[language])
                rank_parts.append(func.ts_rank(column, q))
                match.append(column.op("@@", is_comparison=True)(q))
        rank = rank_parts[0] if len(rank_parts) == 1 else rank_parts[0] + rank_parts[1]
        conditions = [or_(*match), T.c.type.in_(types)]
        access = scope_condition(scope)
        if access is not None:
            conditions.append(access)
        rows = db.session.execute(select(*ROW_COLUMNS, rank.label("score")).where(*conditions)
                                  .order_by(rank.desc(), T.c.key).limit(limit)).all()
        return [to_hit(row, "") for row in rows]

    def suggest(self, scope: Scope, prefix: str, types: tuple[str, ...],
                limit: int) -> tuple[list[Hit], list[tuple[str, int]]]:
        access = scope_condition(scope)
        folded = fold(prefix).split()
        hits: list[Hit] = []
        if folded:
            complete = [analyse_word(w).de or w for w in folded[:-1]]
            last = analyse_word(folded[-1])
            forms = sorted({folded[-1], *(f for f in (last.de, last.en) if f)})
            query = pg_terms.prefix_query(complete, forms)
            # newest first, as on Whoosh: no rank to compute for every prefix match
            statement = (select(*ROW_COLUMNS, literal(0.0).label("score"))
                         .where(T.c.tsv_de.op("@@", is_comparison=True)(tsquery(query)),
                                T.c.type.in_(types))
                         .order_by(T.c.created_at.desc(), T.c.key.desc()).limit(limit))
            if access is not None:
                statement = statement.where(access)
            hits = [to_hit(row, "") for row in db.session.execute(statement)]
        tags: list[tuple[str, int]] = []
        tag_prefix = prefix.strip().lstrip("#").casefold()
        if tag_prefix and " " not in tag_prefix:
            tagged = select(T.c.tags).where(T.c.tsv_en.op("@@", is_comparison=True)(
                tsquery(pg_terms.quote("#" + tag_prefix) + ":*")))
            if access is not None:
                tagged = tagged.where(access)
            tagged = tagged.limit(1000).subquery()
            tag = func.unnest(tagged.c.tags).table_valued("value").render_derived(name="tag")
            rows = db.session.execute(
                select(tag.c.value, func.count().label("n")).select_from(tagged)
                .join(tag, true()).where(func.starts_with(tag.c.value, tag_prefix))
                .group_by(tag.c.value).order_by(func.count().desc(), tag.c.value).limit(limit))
            tags = [(value, n) for value, n in rows]
        return hits, tags

    def corrections(self, word: str, limit: int) -> list[str]:
        word = word.lower()
        with db.engine.connect() as connection:
            connection.execute(text("SET LOCAL pg_trgm.similarity_threshold = 0.25"))
            candidates = list(connection.scalars(
                select(W.c.word).where(W.c.word.op("%", is_comparison=True)(word),
                                       W.c.word != word)
                .order_by(func.similarity(W.c.word, word).desc()).limit(40)))
            connection.rollback()
        close = [(pg_terms.levenshtein(word, c), i, c) for i, c in enumerate(candidates)]
        return [c for distance, _, c in sorted(close) if distance <= 2][:limit]
