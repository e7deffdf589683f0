"""What the feature packages give the index: documents, built by registered loaders.

Features never touch the index. In the same transaction as their content they
call :func:`enqueue`; after commit, the outbox is drained by one writer which
asks the registered loader for the current state of each document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app

from schwarm.db import utcnow
from schwarm.extensions import db


@dataclass
class SearchDocument:
    """One searchable thing, with what access filtering and facets need."""

    type: str                   # post | comment | question | page | user | group
    id: str                     # the object's id (a page's path for pages)
    title: str
    body: str                   # plain text (Markdown already rendered to text)
    url: str
    created_at: datetime
    updated_at: datetime | None = None
    author: str | None = None   # username
    group_id: int | None = None  # None = company-wide; access is decided at query time
    tags: list[str] = field(default_factory=list)
    kind: str | None = None     # for posts: update | question | announcement
    extra: dict = field(default_factory=dict)  # e.g. {"answered": True, "accepted_answer": "..."}
    # Who may find a company-wide document (group_id None): "all" (anyone who may
    # see company-wide content) or "signed_in" (e.g. profiles). Group content is
    # always decided by the group, at query time.
    audience: str = "all"

    @property
    def key(self) -> str:
        """The unique index key, ``"type:id"``."""
        return doc_key(self.type, self.id)


DOC_TYPES = ("post", "question", "comment", "page", "user", "group")
AUDIENCES = ("all", "signed_in")


def doc_key(doc_type: str, doc_id: object) -> str:
    """The unique index key of a document."""
    return f"{doc_type}:{doc_id}"


# doc_type -> loader(ids) -> documents for the ids that still exist and are not deleted;
# ids that yield no document are removed from the index.
Loader = Callable[[list[str]], Iterable[SearchDocument]]
# doc_type -> all_ids() -> every id to index in a full rebuild, in batches
AllIds = Callable[[], Iterable[str]]

_KEY = "schwarm.search.loaders"


def register_document_type(app: Flask, doc_type: str, loader: Loader, all_ids: AllIds) -> None:
    """Features call this from their ``init_app`` for each type they own."""
    app.extensions.setdefault(_KEY, {})[doc_type] = (loader, all_ids)


def document_types(app: Flask | None = None) -> dict[str, tuple[Loader, AllIds]]:
    """The registered types of ``app`` (default: the current app)."""
    return (app or current_app).extensions.get(_KEY, {})


def enqueue(doc_type: str, doc_id: object, op: str = "upsert") -> None:
    """Record that a document changed, in the caller's transaction (no commit).

    ``op`` is ``upsert`` or ``delete``. The row is drained into the index after
    the transaction commits; if the process dies first, it is drained on the
    next start.
    """
    from search.models import IndexOutbox

    if op not in ("upsert", "delete"):
        raise ValueError(op)
    db.session.add(IndexOutbox(doc_type=doc_type, doc_id=str(doc_id), op=op,
                               created_at=utcnow()))
    mark_enqueued(db.session)


_ENQUEUED = "schwarm.search.enqueued"


def mark_enqueued(session) -> None:
    """Remember that this session wrote outbox rows, so the after-commit hook drains."""
    session.info[_ENQUEUED] = True


def take_enqueued(session) -> bool:
    """Whether outbox rows were written since the last call (and reset the mark)."""
    return bool(session.info.pop(_ENQUEUED, False))
