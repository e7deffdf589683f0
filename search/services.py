"""Searching, as other packages and the views call it: permission-aware, never a 500.

:func:`search` parses the user's text (:mod:`search.query`), builds the
viewer's :class:`~search.backend.Scope` from :mod:`schwarm.access` — per call,
so leaving a group hides its content at once — and asks the configured
backend. Results, totals, facets, snippets, suggestions and "did you mean"
all come from that filtered view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from schwarm import access
from schwarm.accounts.models import User
from schwarm.api import decode_cursor, encode_cursor
from schwarm.errors import Invalid
from schwarm.extensions import db
from schwarm.groups.models import Group
from schwarm.markup import normalize_tag
from schwarm.text import normalize_identifier
from search.backend import COMPANY, SIGNED_IN, Filters, Hit, IndexUnavailable, PageRequest, Scope
from search.indexing import get_backend
from search.query import TYPES, ParsedQuery, TextQuery, analyse, analyse_word, clean, parse

PAGE_SIZE = 20
MAX_OFFSET = 1000
SIMILAR_TYPES = ("question", "page")
SUGGEST_TYPES = ("page", "user", "group")
MAX_DRAFT_CHARS = 5000
MAX_PREFIX_CHARS = 100


def scope_for(viewer) -> Scope:
    """What ``viewer`` may find, from :func:`schwarm.access.visible_group_ids`."""
    if getattr(viewer, "active", True) is False:
        return Scope.nothing()  # deactivated accounts see nothing
    group_ids = access.visible_group_ids(viewer)
    if group_ids is None:
        return Scope.everything()
    tokens = {COMPANY, *(str(g) for g in group_ids)}
    if access.is_signed_in(viewer):
        tokens.add(SIGNED_IN)
    return Scope(frozenset(tokens))


@dataclass
class FacetValue:
    """One entry of a facet: the filter value, what to show, how many, chosen?"""

    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchPage:
    """What the views and the API show for one search."""

    query: str
    parsed: ParsedQuery
    items: list[dict] = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    next_cursor: str | None = None
    suggestion: str | None = None
    notices: list[str] = field(default_factory=list)
    sort: str = "relevance"
    searched: bool = False  # False: nothing to search for (show the help)
    filters: dict[str, list[str]] = field(default_factory=dict)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in value if isinstance(v, str) and v.strip()]


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value.strip()[:10], "%Y-%m-%d")
    except ValueError:
        raise Invalid(str(_l("“%(name)s” must be a date like 2024-01-31.", name=name)),
                      code="invalid_date") from None
    return day.replace(tzinfo=UTC)


def _filters(viewer, merged: dict[str, list[str]], since, until) -> Filters:
    types = set()
    for value in merged.get("type", []):
        if value not in TYPES:
            raise Invalid(str(_l("Unknown type “%(value)s”.", value=value[:40])),
                          code="invalid_type")
        types.add(value)
    group_ids: set[int] = set()
    slugs = [normalize_identifier(s) for s in merged.get("group", [])]
    if slugs:
        groups = db.session.scalars(select(Group).where(Group.slug.in_(slugs)))
        group_ids = {g.id for g in groups if access.can_view_group(viewer, g)}
        if not group_ids:
            group_ids = {-1}  # hidden or unknown: finds nothing, reveals nothing
    start, end = _date(since, "since"), _date(until, "until")
    return Filters(
        types=frozenset(types),
        group_ids=frozenset(group_ids),
        authors=frozenset(normalize_identifier(a.lstrip("@")) for a in merged.get("author", [])),
        tags=frozenset(normalize_tag(t) for t in merged.get("tag", [])),
        since=start,
        until=end + timedelta(days=1) if end else None,
    )


def _page_request(sort: str, cursor: str | None, limit: int) -> PageRequest:
    values = decode_cursor(cursor, 3)
    if values is None:
        return PageRequest(sort=sort, limit=limit)
    mode, first, second = values
    if sort == "relevance" and mode == "r" and isinstance(first, int) and 0 < first <= MAX_OFFSET:
        return PageRequest(sort=sort, limit=limit, offset=first)
    if sort == "date" and mode == "d" and isinstance(first, str) and isinstance(second, str):
        try:
            stamp = datetime.fromisoformat(first)
        except ValueError:
            stamp = None
        if stamp is not None and stamp.tzinfo is not None:
            return PageRequest(sort=sort, limit=limit, after=(stamp, second))
    raise Invalid("That cursor is not valid.", code="invalid_cursor")


def search(viewer, q: str | None = "", *, types=None, group=None, author=None, tag=None,
           since: str | None = None, until: str | None = None, sort: str = "relevance",
           cursor: str | None = None, limit: int = PAGE_SIZE, facets: bool = True) -> SearchPage:
    """Search everything ``viewer`` may see. Bad input raises :class:`Invalid` (400).

    ``types``/``group``/``author``/``tag`` take a value or a list (any of
    them); the same fields written in ``q`` (``author:anna``) are added.
    """
    parsed = parse(q)
    page = SearchPage(query=q or "", parsed=parsed, notices=list(parsed.notices))
    merged = {name: list(dict.fromkeys(_as_list(value) + parsed.filters.get(name, [])))
              for name, value in (("type", types), ("group", group), ("author", author),
                                  ("tag", tag))}
    page.filters = {k: v for k, v in merged.items() if v}
    if sort not in ("relevance", "date"):
        raise Invalid("'sort' is relevance or date.", code="invalid_sort")
    filters = _filters(viewer, merged, since, until)
    limit = max(1, min(limit, 100))
    _page_request(sort, cursor, limit)  # refuse a bad cursor whatever else happens
    text = analyse(parsed)
    if parsed.has_text and text.empty:
        page.notices.append(str(_l("These words are too common to search for.")))
        page.searched = True
        return page
    if text.empty and not (page.filters or since or until):
        return page  # nothing asked: the page shows what to try
    if text.empty:
        sort = "date"  # with no words there is no relevance
    page.sort = sort
    page.searched = True
    scope = scope_for(viewer)
    request = _page_request(sort, cursor, limit)
    backend = get_backend()
    try:
        results = backend.search(scope, text, filters, request, facets=facets)
    except IndexUnavailable:
        page.notices.append(str(_l("Search is being prepared. Please try again in a minute.")))
        return page
    page.total = results.total
    page.items = _items(results.hits)
    page.facets = _facet_values(results.facets, page.filters)
    if results.next_offset is not None and results.next_offset < MAX_OFFSET:
        page.next_cursor = encode_cursor("r", results.next_offset, "")
    elif results.next_after is not None:
        stamp, key = results.next_after
        page.next_cursor = encode_cursor("d", stamp.isoformat(), key)
    if results.total <= 2 and text.words:
        page.suggestion = did_you_mean(scope, parsed, text, filters, results.total)
    return page


def did_you_mean(scope: Scope, parsed: ParsedQuery, text: TextQuery, filters: Filters,
                 found: int) -> str | None:
    """A corrected query that finds more, built only from words the viewer may find.

    A word is replaced by a close known word only if that word alone has
    permitted hits, so words that occur only in hidden content never show up.
    """
    backend = get_backend()
    replaced: dict[str, str] = {}
    for word in parsed.words[:6]:
        if len(word) < 3 or backend.count(scope, TextQuery(words=[analyse_word(word)]),
                                          filters):
            continue
        for candidate in backend.corrections(word, limit=5):
            analysed = analyse_word(candidate)
            if (analysed.de or analysed.en) and backend.count(
                    scope, TextQuery(words=[analysed]), filters):
                replaced[word] = candidate
                break
    if not replaced:
        return None
    corrected = ParsedQuery(words=[replaced.get(w, w) for w in parsed.words],
                            phrases=parsed.phrases, excluded=parsed.excluded,
                            filters=parsed.filters)
    if backend.count(scope, analyse(corrected), filters) <= found:
        return None
    return corrected.text()


def _items(hits: list[Hit]) -> list[dict]:
    """Hits as dicts, with display names of authors and groups (two queries in all)."""
    usernames = {h.author for h in hits if h.author}
    names = dict(db.session.execute(
        select(User.username, User.display_name).where(User.username.in_(usernames))
    ).all()) if usernames else {}
    group_ids = {h.group_id for h in hits if h.group_id is not None}
    groups = {g.id: g for g in db.session.scalars(
        select(Group).where(Group.id.in_(group_ids)))} if group_ids else {}
    items = []
    for hit in hits:
        group = groups.get(hit.group_id)
        item = {
            "type": hit.type, "id": hit.id, "title": hit.title,
            "snippet_html": hit.snippet_html, "url": hit.url, "score": hit.score,
            "created_at": hit.created_at, "author": hit.author,
            "author_name": names.get(hit.author) or hit.author,
            "group": group.slug if group else None,
            "group_name": group.name if group else None,
            "group_private": bool(group and group.is_private),
            "tags": hit.tags, "kind": hit.kind, "extra": hit.extra,
        }
        if hit.type == "page":
            item["path"] = hit.id
        items.append(item)
    return items


TYPE_NAMES = {
    "post": _l("Post"), "question": _l("Question"), "comment": _l("Comment"),
    "page": _l("Wiki page"), "user": _l("Person"), "group": _l("Group"),
}
TYPE_LABELS = {
    "post": _l("Posts"), "question": _l("Questions"), "comment": _l("Comments & answers"),
    "page": _l("Wiki pages"), "user": _l("People"), "group": _l("Groups"),
}


def _facet_values(facets: dict[str, list[tuple[str, int]]],
                  chosen: dict[str, list[str]]) -> dict[str, list[FacetValue]]:
    out: dict[str, list[FacetValue]] = {}
    group_ids = [int(v) for v, _ in facets.get("group", [])]
    groups = {g.id: g for g in db.session.scalars(
        select(Group).where(Group.id.in_(group_ids)))} if group_ids else {}
    authors = [v for v, _ in facets.get("author", [])]
    names = dict(db.session.execute(
        select(User.username, User.display_name).where(User.username.in_(authors))
    ).all()) if authors else {}
    for name, values in facets.items():
        entries = []
        for value, count in values:
            label, filter_value = value, value
            if name == "type":
                label = str(TYPE_LABELS.get(value, value))
            elif name == "group":
                group = groups.get(int(value))
                if group is None:
                    continue
                label, filter_value = group.name, group.slug
            elif name == "author":
                label = names.get(value) or value
            elif name == "tag":
                label = f"#{value}"
            entries.append(FacetValue(filter_value, label, count,
                                      filter_value in chosen.get(name, [])))
        out[name] = entries
    return out


def similar(viewer, text: str, types: tuple[str, ...] = SIMILAR_TYPES,
            limit: int = 5) -> list[dict]:
    """What resembles a draft (e.g. a question being typed), among what ``viewer`` may see.

    Questions carry ``extra`` (e.g. ``answered``) so callers can mark answered ones.
    """
    text = clean(text or "")[:MAX_DRAFT_CHARS]
    unknown = [t for t in types if t not in TYPES]
    if unknown:
        raise Invalid(str(_l("Unknown type “%(value)s”.", value=unknown[0][:40])),
                      code="invalid_type")
    if not text.strip():
        return []
    try:
        hits = get_backend().similar(scope_for(viewer), text, tuple(types),
                                     max(1, min(limit, 20)))
    except IndexUnavailable:
        return []
    return _items(hits)


@dataclass(frozen=True)
class SuggestItem:
    """An entry of the navigation box's suggestions."""

    type: str
    label: str
    url: str


def suggest(viewer, prefix: str, limit: int = 8) -> list[SuggestItem]:
    """Titles of pages, people and groups, and tags, that start like ``prefix``."""
    prefix = clean(prefix or "")[:MAX_PREFIX_CHARS]
    if len(prefix) < 2:
        return []
    try:
        hits, tags = get_backend().suggest(scope_for(viewer), prefix, SUGGEST_TYPES, limit)
    except IndexUnavailable:
        return []
    items = [SuggestItem(h.type, h.title, h.url) for h in hits]
    items += [SuggestItem("tag", f"#{t}", f"/tags/{t}") for t, _ in tags]
    return items[:limit]
