"""The wiki's part of a leaver's handover: the pages nobody else would look after.

A page needs a successor when the leaver is its only watcher, or wrote most of
it (more revisions than anyone else; ties count). Handing a page over makes the
successor watch it, so that they are told of every edit from then on.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from schwarm import access, activities, handover
from schwarm.accounts.models import User
from schwarm.extensions import db
from wiki.models import Page, PageWatch, Revision
from wiki.services import page_url, watch_rows


def pages_in_care(user: User) -> list[Page]:
    """Live pages ``user`` watches alone or wrote most of, by path."""
    watcher_count = (
        select(PageWatch.page_id, func.count().label("n"))
        .group_by(PageWatch.page_id).subquery()
    )
    alone = set(db.session.scalars(
        select(PageWatch.page_id)
        .join(watcher_count, watcher_count.c.page_id == PageWatch.page_id)
        .where(PageWatch.user_id == user.id, watcher_count.c.n == 1)
    ))
    counts = db.session.execute(
        select(Revision.page_id, Revision.author_id, func.count())
        .where(Revision.page_id.in_(select(Revision.page_id).where(Revision.author_id == user.id)))
        .group_by(Revision.page_id, Revision.author_id)
    ).all()
    mine: dict[int, int] = {}
    best_other: dict[int, int] = {}
    for page_id, author_id, n in counts:
        if author_id == user.id:
            mine[page_id] = n
        else:
            best_other[page_id] = max(best_other.get(page_id, 0), n)
    most = {page_id for page_id, n in mine.items() if n >= best_other.get(page_id, 0)}
    ids = alone | most
    if not ids:
        return []
    return list(db.session.scalars(
        select(Page).where(Page.id.in_(ids), Page.deleted_at.is_(None)).order_by(Page.path)
    ))


def _items(user: User) -> list[handover.Item]:
    return [handover.Item(id=str(page.id), title=page.title or page.path,
                          url=page_url(page.path), note=page.path)
            for page in pages_in_care(user)]


def _transfer(admin: User, user: User, successor: User, ids: list[str]) -> list[str]:
    pages = db.session.scalars(select(Page).where(Page.id.in_([int(i) for i in ids]))).all()
    done = []
    for page in pages:
        if not access.viewers_among([successor.id], page):
            continue  # never hand someone a page they may not read
        watch_rows(page.id, [successor.id])
        activities.record(admin.id, "handed_over", "page", page.id, group_id=page.group_id,
                          text=f"{page.title}: {user.name} -> {successor.name}",
                          url=page_url(page.path))
        done.append(str(page.id))
    return done


def register(app: Flask) -> None:
    """Add the wiki pages to the handover."""
    handover.register(app, handover.Source(
        key="pages", label=_l("Wiki pages they watch alone or wrote most of"),
        items=_items, transfer=_transfer))
