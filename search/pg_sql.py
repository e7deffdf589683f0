"""SQL pieces of the PostgreSQL backend: match conditions, access, filters, rank."""

from __future__ import annotations

from sqlalchemy import Integer, Text, and_, any_, cast, false, func, literal, not_, or_, true
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY

from search import pg_terms
from search.backend import COMPANY, SIGNED_IN, Filters, Hit, Scope
from search.models import SearchDocumentRow, SearchWord
from search.query import TextQuery

T = SearchDocumentRow.__table__
W = SearchWord.__table__
ROW_COLUMNS = (T.c.key, T.c.type, T.c.obj_id, T.c.title, T.c.url, T.c.author, T.c.group_id,
               T.c.tags, T.c.kind, T.c.created_at, T.c.updated_at, T.c.extra)


def tsquery(value: str):
    return cast(literal(value), TSQUERY)


def matches(de: str | None, en: str | None):
    parts = []
    if de:
        parts.append(T.c.tsv_de.op("@@", is_comparison=True)(tsquery(de)))
    if en:
        parts.append(T.c.tsv_en.op("@@", is_comparison=True)(tsquery(en)))
    return or_(*parts) if parts else false()


def text_conditions(query: TextQuery) -> list:
    """Every word and phrase in either analysis; no excluded word."""
    conditions = [matches(pg_terms.word_query(w, "de"), pg_terms.word_query(w, "en"))
                  for w in query.words]
    conditions += [matches(pg_terms.phrase_query(p, "de"), pg_terms.phrase_query(p, "en"))
                   for p in query.phrases]
    conditions += [not_(matches(pg_terms.word_query(w, "de"), pg_terms.word_query(w, "en")))
                   for w in query.excluded]
    return conditions


def scope_condition(scope: Scope):
    """The viewer's access as a WHERE clause (None = unrestricted)."""
    if scope.unrestricted:
        return None
    allowed = []
    if COMPANY in scope.tokens:
        allowed.append(and_(T.c.group_id.is_(None), T.c.audience == "all"))
    if SIGNED_IN in scope.tokens:
        allowed.append(and_(T.c.group_id.is_(None), T.c.audience == "signed_in"))
    if scope.group_ids:
        allowed.append(T.c.group_id == any_(cast(literal(scope.group_ids, ARRAY(Integer)),
                                                 ARRAY(Integer))))
    return or_(*allowed) if allowed else false()


def filter_conditions(filters: Filters) -> list:
    conditions = []
    if filters.types:
        conditions.append(T.c.type.in_(sorted(filters.types)))
    if filters.group_ids:
        conditions.append(T.c.group_id.in_(sorted(filters.group_ids)))
    if filters.authors:
        conditions.append(T.c.author.in_(sorted(filters.authors)))
    if filters.tags:
        conditions.append(T.c.tags.op("&&", is_comparison=True)(
            cast(literal(sorted(filters.tags), ARRAY(Text)), ARRAY(Text))))
    if filters.since:
        conditions.append(T.c.created_at >= filters.since)
    if filters.until:
        conditions.append(T.c.created_at < filters.until)
    return conditions


def where_clause(scope: Scope, query: TextQuery, filters: Filters):
    conditions = [*text_conditions(query), *filter_conditions(filters)]
    access = scope_condition(scope)
    if access is not None:
        conditions.append(access)
    return and_(true(), *conditions)


def rank_of(query: TextQuery):
    parts = []
    for language, column in (("de", T.c.tsv_de), ("en", T.c.tsv_en)):
        terms = pg_terms.any_query(query, language)
        if terms:
            parts.append(func.ts_rank(column, tsquery(terms)))
    if not parts:
        return literal(0.0)
    rank = parts[0]
    for part in parts[1:]:
        rank = rank + part
    return rank


def escaped(column):
    return func.replace(func.replace(func.replace(column, "&", "&amp;"), "<", "&lt;"),
                        ">", "&gt;")


def to_hit(row, snippet: str) -> Hit:
    return Hit(key=row.key, type=row.type, id=row.obj_id, title=row.title, url=row.url,
               score=round(float(getattr(row, "score", 0.0) or 0.0), 4),
               created_at=row.created_at, updated_at=row.updated_at, author=row.author,
               group_id=row.group_id, tags=list(row.tags or []), kind=row.kind,
               extra=row.extra or {}, snippet_html=snippet)


def title_condition(query: TextQuery):
    """A query word (or phrase word) in the title: lexemes of weight A."""
    parts = []
    for language, column in (("de", T.c.tsv_de), ("en", T.c.tsv_en)):
        terms = sorted(query.terms(language))
        if terms:
            parts.append(column.op("@@", is_comparison=True)(
                tsquery(" | ".join(f"{pg_terms.quote(t)}:A" for t in terms))))
    return or_(*parts) if parts else false()
