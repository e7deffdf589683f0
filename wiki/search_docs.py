"""The "page" search document: id = path; plain text of the current body."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only

from schwarm import markup
from schwarm.extensions import db
from search import SearchDocument
from wiki.models import Page
from wiki.services import page_url

BATCH = 500


def load_pages(ids: list[str]) -> Iterator[SearchDocument]:
    """Documents for the live pages among ``ids`` (paths); deleted/missing ones yield nothing."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        pages = db.session.scalars(
            select(Page)
            .options(load_only(Page.path, Page.title, Page.body_html, Page.group_id,
                               Page.created_at, Page.updated_at, Page.updated_by_id),
                     joinedload(Page.updated_by))
            .where(Page.path.in_(chunk), Page.deleted_at.is_(None)))
        for page in pages:
            yield SearchDocument(
                type="page", id=page.path, title=page.title,
                body=markup.html_text(page.body_html), url=page_url(page.path),
                created_at=page.created_at, updated_at=page.updated_at,
                author=page.updated_by.username if page.updated_by else None,
                group_id=page.group_id, kind=None,
                extra={"path": page.path},
            )


def all_page_ids() -> Iterator[str]:
    """Paths of all live pages, in batches (keyset on path)."""
    after = ""
    while True:
        batch = list(db.session.scalars(
            select(Page.path).where(Page.deleted_at.is_(None), Page.path > after)
            .order_by(Page.path).limit(BATCH)))
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1]
