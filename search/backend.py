"""The interface every index backend implements, and the values passed through it.

A backend (Whoosh in ``whoosh_backend.py``, PostgreSQL in ``pg_backend.py``)
stores :class:`~search.documents.SearchDocument` objects and answers queries.
It never decides visibility itself: the caller passes a :class:`Scope` built
by :mod:`schwarm.access`, and the backend turns it into a filter inside the
engine, so results, totals, facets and suggestions all obey it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from search.documents import SearchDocument
from search.query import TextQuery

# The group token of a document: its group id, or one of these for company-wide content.
COMPANY = "none"          # anyone who may see company-wide content (also anonymous)
SIGNED_IN = "signed_in"   # company-wide but only for signed-in people (profiles)


def group_token(doc: SearchDocument) -> str:
    """What access filtering matches a document by (see :class:`Scope`)."""
    if doc.group_id is not None:
        return str(doc.group_id)
    return SIGNED_IN if doc.audience == "signed_in" else COMPANY


@dataclass(frozen=True)
class Scope:
    """What a viewer may find: the group tokens they may see (None = everything)."""

    tokens: frozenset[str] | None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def nothing(cls) -> Scope:
        return cls(frozenset())

    @property
    def unrestricted(self) -> bool:
        return self.tokens is None

    @property
    def group_ids(self) -> list[int] | None:
        """The visible group ids (None = all)."""
        if self.tokens is None:
            return None
        return sorted(int(t) for t in self.tokens if t.isdigit())

    def allows(self, token: str) -> bool:
        return self.tokens is None or token in self.tokens


@dataclass(frozen=True)
class Filters:
    """Narrowing chosen by the user; each set means "any of these"."""

    types: frozenset[str] = frozenset()
    group_ids: frozenset[int] = frozenset()
    authors: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class PageRequest:
    """Which slice of the results: by offset (relevance) or after a (created_at, key) pair."""

    sort: str = "relevance"  # relevance | date
    limit: int = 20
    offset: int = 0
    after: tuple[datetime, str] | None = None


@dataclass
class Hit:
    """One result, with an HTML snippet that is already escaped and highlighted."""

    key: str
    type: str
    id: str
    title: str
    url: str
    score: float
    created_at: datetime
    updated_at: datetime | None = None
    author: str | None = None
    group_id: int | None = None
    tags: list[str] = field(default_factory=list)
    kind: str | None = None
    extra: dict = field(default_factory=dict)
    snippet_html: str = ""


@dataclass
class Results:
    """A page of hits, the permitted total, facet counts and the next page."""

    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    next_offset: int | None = None
    next_after: tuple[datetime, str] | None = None


@dataclass(frozen=True)
class Suggestion:
    """A search-as-you-type entry: a page, person, group or tag."""

    type: str
    label: str
    url: str


class IndexUnavailable(Exception):
    """The index cannot be read right now (missing and being rebuilt)."""


FACETS = ("type", "group", "author", "tag")
FACET_LIMIT = 15
# Relevance for very broad queries: above SCORE_ALL matches, both backends rank only
# the TITLE_WINDOW newest matches with a query word in the title and the
# RECENT_WINDOW newest matches (scoring every one of 30,000 matches costs far
# more than a search may take). Totals and facets stay exact.
SCORE_ALL = 1500
RECENT_WINDOW = 1000
TITLE_WINDOW = 500


class Backend(Protocol):
    """What :mod:`search.indexing` and :mod:`search.services` need from an index."""

    name: str

    def close(self) -> None:
        """Release what the backend holds open in this process."""

    def writer_lock(self, blocking: bool = False,
                    timeout: float = 0) -> AbstractContextManager[bool]:
        """The single-writer lock; yields False at once when someone else holds it."""

    def mark_pending(self) -> None:
        """Note that rows wait (before trying the lock), for the holder to see."""

    def take_pending(self) -> bool:
        """After releasing: did anyone mark rows while we held the lock? (may over-report)"""

    def clear_pending(self) -> None:
        """Under the lock, before reading the outbox."""

    def is_ready(self) -> bool:
        """The index exists and opens (else it is rebuilt from the database)."""

    def apply(self, docs: list[SearchDocument], deletes: list[str],
              finalize: Callable[[object], None]) -> None:
        """Upsert ``docs``, delete ``deletes`` (keys); then ``finalize(connection)``.

        A transactional backend passes the connection of its open transaction so
        the outbox rows go in the same commit; others pass None after their commit.
        """

    def rebuild(self, batches: Iterable[list[SearchDocument]],
                processes: int = 1) -> Iterator[int]:
        """Build a fresh index from ``batches``, yielding progress; switch when complete.

        ``processes`` is how many worker processes the backend may start to
        analyse documents in parallel (only from a command: the app's own
        processes never fork workers).
        """

    def search(self, scope: Scope, text: TextQuery, filters: Filters,
               page: PageRequest, facets: bool = True) -> Results:
        """Permitted hits for ``text`` (all documents when empty) narrowed by ``filters``."""

    def count(self, scope: Scope, text: TextQuery, filters: Filters) -> int:
        """How many permitted documents match."""

    def similar(self, scope: Scope, text: str, types: tuple[str, ...], limit: int) -> list[Hit]:
        """Permitted documents of ``types`` most similar to a draft ``text``."""

    def suggest(self, scope: Scope, prefix: str, types: tuple[str, ...],
                limit: int) -> tuple[list[Hit], list[tuple[str, int]]]:
        """Titles starting with ``prefix`` and tags starting with it (permitted only)."""

    def corrections(self, word: str, limit: int) -> list[str]:
        """Known words close to ``word`` (from any document: callers verify hits)."""
