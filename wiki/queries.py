"""Reading the wiki: lookups, lists, history, backlinks — each with access rules.

Nothing here loads a revision body unless one revision is asked for: lists
and history defer ``Revision.body`` and ``Page.body``, so their cost does not
grow with the size or number of revisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, defer, joinedload, load_only

from schwarm import access
from schwarm.accounts.models import User
from schwarm.errors import NotFound
from schwarm.extensions import db
from schwarm.groups.models import Group
from wiki import storage
from wiki.models import Page, PageLink, PageRedirect, PageWatch, Revision

_LIST_COLUMNS = (Page.path, Page.title, Page.group_id, Page.current_revision, Page.updated_at,
                 Page.updated_by_id, Page.deleted_at)


@dataclass(frozen=True)
class Lookup:
    """The result of resolving a path: a page the viewer may see, or where it moved."""

    page: Page | None = None
    redirect_to: str | None = None


def lookup(viewer, path: str, *, with_body: bool = False, with_html: bool = True) -> Lookup:
    """The page at canonical ``path`` if ``viewer`` may see it, else its new path if it
    moved, else nothing. Hidden pages look exactly like missing ones.

    The Markdown body (``with_body``) and the HTML (``with_html``) can each be
    up to megabytes; load only what the caller shows.
    """
    options = [joinedload(Page.group), joinedload(Page.updated_by)]
    if not with_body:
        options.append(defer(Page.body))
    if not with_html:
        options.append(defer(Page.body_html))
    page = db.session.scalar(select(Page).options(*options).where(Page.path == path))
    if page is not None:
        return Lookup(page if access.can_view_page(viewer, page) else None)
    target = db.session.execute(
        select(Page.path, Page.group_id, Page.deleted_at)
        .join(PageRedirect, PageRedirect.page_id == Page.id)
        .where(PageRedirect.old_path == path)
    ).first()
    if target is not None and target.deleted_at is None:
        group = db.session.get(Group, target.group_id) if target.group_id else None
        if access.can_view_group(viewer, group):
            return Lookup(redirect_to=target.path)
    return Lookup()


def get_page(viewer, path: str, *, with_body: bool = True, follow_redirect: bool = True,
             include_deleted: bool = False) -> Page:
    """The visible page at ``path`` (following moves), or NotFound.

    ``with_body=False`` loads neither the body nor the HTML (history, diffs).
    """
    found = lookup(viewer, path, with_body=with_body, with_html=with_body)
    if found.redirect_to and follow_redirect:
        found = lookup(viewer, found.redirect_to, with_body=with_body, with_html=with_body)
    page = found.page
    if page is None or (page.deleted_at is not None and not include_deleted):
        raise NotFound("No such page.")
    return page


def list_pages(viewer, *, after: str | None = None, prefix: str | None = None,
               limit: int = 100, deleted: bool = False) -> list[Page]:
    """Visible pages by path (keyset pagination on ``path``); no bodies loaded.

    ``deleted=True`` lists deleted pages the viewer may restore instead.
    """
    stmt = (select(Page).options(load_only(*_LIST_COLUMNS), joinedload(Page.updated_by),
                                 joinedload(Page.group))
            .where(access.visible_group_filter(viewer, Page.group_id))
            .order_by(Page.path).limit(limit))
    if deleted:
        stmt = stmt.where(Page.deleted_at.is_not(None))
    else:
        stmt = stmt.where(Page.deleted_at.is_(None))
    if after:
        stmt = stmt.where(Page.path > after)
    if prefix:
        stmt = stmt.where(Page.path.startswith(prefix + "/", autoescape=True))
    pages = list(db.session.scalars(stmt))
    if deleted:
        pages = [p for p in pages if access.can_manage_page(viewer, p)]
    return pages


def recent_changes(viewer, *, before_id: int | None = None, limit: int = 50,
                   group_id: int | None = None) -> list[Revision]:
    """The newest revisions of visible, live pages, newest first (keyset on id)."""
    stmt = (
        select(Revision)
        .join(Revision.page)
        .options(load_only(Revision.id, Revision.page_id, Revision.number, Revision.title,
                           Revision.summary, Revision.author_id, Revision.created_at,
                           Revision.size),
                 contains_eager(Revision.page).load_only(*_LIST_COLUMNS),
                 joinedload(Revision.author))
        .where(Page.deleted_at.is_(None), access.visible_group_filter(viewer, Page.group_id))
        .order_by(Revision.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(Revision.id < before_id)
    if group_id is not None:
        stmt = stmt.where(Page.group_id == group_id)
    return list(db.session.scalars(stmt))


def history(page: Page, *, before: int | None = None, limit: int = 50) -> list[Revision]:
    """Revisions of ``page``, newest first, without their bodies (keyset on number)."""
    stmt = (select(Revision)
            .options(defer(Revision.body), joinedload(Revision.author))
            .where(Revision.page_id == page.id)
            .order_by(Revision.number.desc()).limit(limit))
    if before is not None:
        stmt = stmt.where(Revision.number < before)
    return list(db.session.scalars(stmt))


def get_revision(page: Page, number: int) -> Revision:
    """One revision with its body, or NotFound."""
    revision = db.session.scalar(
        select(Revision).options(joinedload(Revision.author))
        .where(Revision.page_id == page.id, Revision.number == number))
    if revision is None:
        raise NotFound(f"The page has no revision {number}.")
    return revision


def revision_bodies(page: Page, numbers: tuple[int, int]) -> dict[int, Revision]:
    """Exactly two revisions (for a diff), loaded in one query, or NotFound."""
    rows = db.session.scalars(
        select(Revision).where(Revision.page_id == page.id, Revision.number.in_(set(numbers))))
    found = {r.number: r for r in rows}
    for number in numbers:
        if number not in found:
            raise NotFound(f"The page has no revision {number}.")
    return found


def backlinks(viewer, page: Page, limit: int = 200) -> list[Page]:
    """Visible live pages linking to ``page`` (by its path or one of its old paths)."""
    old_paths = select(PageRedirect.old_path).where(PageRedirect.page_id == page.id)
    linking = select(PageLink.from_page_id).where(
        (PageLink.to_path == page.path) | PageLink.to_path.in_(old_paths))
    stmt = (select(Page).options(load_only(Page.path, Page.title, Page.group_id))
            .where(Page.id.in_(linking), Page.id != page.id, Page.deleted_at.is_(None),
                   access.visible_group_filter(viewer, Page.group_id))
            .order_by(Page.title, Page.path).limit(limit))
    return list(db.session.scalars(stmt))


def breadcrumbs(viewer, path: str) -> list[tuple[str, str, bool]]:
    """Ancestors of ``path`` as (path, label, exists): titles of visible pages, else the
    path segment. One query."""
    ancestors = storage.parent_paths(path)
    if not ancestors:
        return []
    titles = dict(db.session.execute(
        select(Page.path, Page.title).where(
            Page.path.in_(ancestors), Page.deleted_at.is_(None),
            access.visible_group_filter(viewer, Page.group_id))).all())
    return [(p, titles.get(p, p.rsplit("/", 1)[-1]), p in titles) for p in ancestors]


def is_watching(user, page: Page) -> bool:
    """Does ``user`` watch ``page``?"""
    if not access.is_signed_in(user):
        return False
    return db.session.get(PageWatch, (page.id, user.id)) is not None


def page_tree(pages: list[Page]) -> list[tuple[int, str, str, Page | None]]:
    """Pages (sorted by path) as an indented outline: (depth, segment, path, page or None
    for a path that only exists as a parent of pages)."""
    rows: list[tuple[int, str, str, Page | None]] = []
    shown: set[str] = set()
    for page in pages:
        segments = page.path.split("/")
        for depth in range(len(segments) - 1):
            parent = "/".join(segments[:depth + 1])
            if parent not in shown:
                shown.add(parent)
                rows.append((depth, segments[depth], parent, None))
        shown.add(page.path)
        rows.append((len(segments) - 1, segments[-1], page.path, page))
    return rows


def pages_by_author(viewer, author: User, limit: int = 20) -> list[Page]:
    """Visible live pages ``author`` edited, most recently edited first (for profiles).

    Served by the (author_id, id) index on revisions.
    """
    latest = (select(Revision.page_id, func.max(Revision.id).label("last_id"))
              .where(Revision.author_id == author.id)
              .group_by(Revision.page_id).subquery())
    stmt = (select(Page).join(latest, latest.c.page_id == Page.id)
            .options(load_only(*_LIST_COLUMNS))
            .where(Page.deleted_at.is_(None),
                   access.visible_group_filter(viewer, Page.group_id))
            .order_by(latest.c.last_id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def group_pages(viewer, group: Group, limit: int = 50) -> list[Page]:
    """Live pages of ``group`` by path (the caller checked that the viewer sees the group)."""
    if not access.can_view_group(viewer, group):
        return []
    stmt = (select(Page).options(load_only(*_LIST_COLUMNS))
            .where(Page.group_id == group.id, Page.deleted_at.is_(None))
            .order_by(Page.path).limit(limit))
    return list(db.session.scalars(stmt))
