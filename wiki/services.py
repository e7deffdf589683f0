"""Saving wiki pages: create, edit with three-way merge, revert.

The save is optimistic and conditional (DESIGN.md invariant 5, "no edit is
silently lost"):

1. read the page; if the editor's ``base_revision`` is older than the
   current one, merge three-way against the base revision's body (one
   revision row is loaded) — overlapping edits raise :class:`Conflict` (409)
   with both texts;
2. render the result *outside* the write transaction (rendering 1 MB of
   Markdown takes a while, and SQLite holds one write lock);
3. in one ``write_transaction()``: ``UPDATE wiki_page SET current_revision =
   n+1 ... WHERE id = :id AND current_revision = n``. If another save won
   the race the update matches no row, the transaction is rolled back and we
   go back to 1 (merging against the newer text). The unique (page_id,
   number) constraint on revisions is the second guard. The revision, links,
   activity, notifications, watch and search outbox rows are written in the
   same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

import search
from schwarm import access, activities
from schwarm.accounts.models import User
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from schwarm.extensions import db
from schwarm.groups.models import Group
from schwarm.groups.services import get_visible_group
from schwarm.notifications.services import notify
from schwarm.text import clean_line
from wiki import links, storage
from wiki.models import Page, PageRedirect, PageWatch, Revision

# How often a save re-reads and re-merges when others keep winning the race.
MAX_ATTEMPTS = 20


@dataclass
class SaveResult:
    """What a save did: ``created``, ``merged`` with others' changes, or ``unchanged``."""

    page: Page
    revision: int
    created: bool = False
    merged: bool = False
    unchanged: bool = False


class _Stale(Exception):
    """The page moved on between reading and the conditional update."""


def page_url(path: str) -> str:
    """The browser address of a page."""
    return "/wiki/" + quote(path, safe="/")


def diff_url(path: str, old: int, new: int) -> str:
    """The browser address of a diff between two revisions."""
    return f"{page_url(path)}/diff?from={old}&to={new}"


def clean_path(raw: object) -> str:
    """A canonical page path or Invalid (400) with the reason."""
    try:
        return storage.normalize_path(raw)
    except storage.InvalidPath as error:
        raise Invalid(str(error), code="invalid_path") from None


def _clean_title(raw: object) -> str:
    if not isinstance(raw, str):
        raise Invalid("Title is required.", code="invalid_title")
    try:
        return clean_line(raw, field="Title", max_length=storage.MAX_TITLE_LENGTH)
    except ValueError as error:
        raise Invalid(str(error), code="invalid_title") from None


def _clean_summary(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise Invalid("The summary must be text.", code="invalid_summary")
    try:
        return clean_line(raw, field="Summary", max_length=storage.MAX_SUMMARY_LENGTH,
                          required=False)
    except ValueError as error:
        raise Invalid(str(error), code="invalid_summary") from None


def _check_size(body: str) -> None:
    limit = current_app.config.get("WIKI_MAX_BYTES", 1024 * 1024)
    if storage.body_size(body) > limit:
        raise TooLarge(f"The page is larger than {limit:,} bytes. Split it into several pages.",
                       code="too_large", max_bytes=limit)


def _clean_body(raw: object) -> str:
    if not isinstance(raw, str):
        raise Invalid("The body must be text.", code="invalid_body")
    _check_size(raw)
    return storage.normalize_body(raw)


def find_page(path: str, *, follow_redirect: bool = False) -> Page | None:
    """The page at a canonical path (deleted ones included), whoever asks."""
    page = db.session.scalar(
        select(Page).options(joinedload(Page.group)).where(Page.path == path))
    if page is None and follow_redirect:
        page = db.session.scalar(
            select(Page).options(joinedload(Page.group))
            .join(PageRedirect, PageRedirect.page_id == Page.id)
            .where(PageRedirect.old_path == path))
    return page


def _page_for_edit(user: User, path: str) -> Page:
    page = find_page(path, follow_redirect=True)
    if page is None:
        raise NotFound("No such page.")
    if page.deleted_at is not None:
        if access.can_view_group(user, page.group):
            raise Conflict("This page was deleted. An admin or an owner of its group can "
                           "restore it; your text was not saved.", code="page_deleted")
        raise NotFound("No such page.")
    if not access.can_view(user, page):
        raise NotFound("No such page.")
    if not access.can_edit_page(user, page):
        raise Forbidden("Only members of this page's group can edit it.")
    return page


def _base_revision(page_id: int, number: int) -> Revision:
    revision = db.session.scalar(
        select(Revision).where(Revision.page_id == page_id, Revision.number == number))
    if revision is None:
        raise Invalid(f"The page has no revision {number}.", code="invalid_base_revision")
    return revision


def save_page(user: User, path: str, *, title: object, body: object, summary: object = "",
              base_revision: object = None, group: str | None = None) -> SaveResult:
    """Create (no ``base_revision``) or edit a page; see the module docstring.

    Raises Invalid (bad path, title, summary), TooLarge (body above
    WIKI_MAX_BYTES), NotFound, Forbidden, or Conflict with ``current_revision``
    and ``conflict`` (base, theirs, yours, marked) when edits overlap.
    """
    if not access.is_signed_in(user):
        raise Forbidden("Sign in to edit the wiki.")
    path = clean_path(path)
    title = _clean_title(title)
    summary = _clean_summary(summary)
    body = _clean_body(body)
    if base_revision is None:
        return _create(user, path, title, body, summary, group)
    if isinstance(base_revision, bool) or not isinstance(base_revision, int) or base_revision < 1:
        raise Invalid("'base_revision' must be a revision number.", code="invalid_base_revision")
    for _attempt in range(MAX_ATTEMPTS):
        page = _page_for_edit(user, path)
        if group is not None and (page.group.slug if page.group else "") != group:
            raise Invalid("A page's group is chosen when it is created.", code="invalid_group")
        current = page.current_revision
        if base_revision > current:
            raise Invalid(f"The page has no revision {base_revision} yet.",
                          code="invalid_base_revision")
        new_title, new_body, merged = title, body, False
        if base_revision < current:
            new_title, new_body = _merged(page, base_revision, title, body)
            merged = True
        if new_body == page.body and new_title == page.title:
            return SaveResult(page, current, merged=merged, unchanged=True)
        _check_size(new_body)
        html, targets = links.render_body(new_body, page.group_id)
        try:
            saved = _write_revision(user, page, current, new_title, new_body, html, targets,
                                    summary)
        except (_Stale, IntegrityError):
            continue  # someone saved first: merge against their text
        return SaveResult(saved, saved.current_revision, merged=merged)
    raise Conflict("The page changed too often while saving. Please try again.",
                   code="busy", current_revision=_reload(page.id).current_revision)


def _merged(page: Page, base_number: int, title: str, body: str) -> tuple[str, str]:
    base = _base_revision(page.id, base_number)
    result = storage.merge(base.body, page.body, body)
    merged_title = storage.merge_title(base.title, page.title, title)
    if result.clean and merged_title is not None:
        return merged_title, result.text
    what = "the same lines" if not result.clean else "the title"
    raise Conflict(
        f"Someone else changed {what} since revision {base_number}; nothing was saved. "
        "Compare both versions and save again.",
        code="edit_conflict",
        current_revision=page.current_revision,
        conflict={"base_revision": base_number, "base": base.body, "theirs": page.body,
                  "yours": body, "marked": result.marked, "base_title": base.title,
                  "their_title": page.title, "your_title": title},
    )


def _reload(page_id: int) -> Page:
    db.session.expire_all()
    return db.session.scalar(
        select(Page).options(joinedload(Page.group), joinedload(Page.updated_by))
        .where(Page.id == page_id))


def _snapshot(page_id: int) -> Page:
    """The page as this transaction sees it. Detached at the end of the write, so that
    saves by others after our commit do not show through: the caller reports what *it*
    saved."""
    return db.session.scalar(
        select(Page).options(joinedload(Page.group), joinedload(Page.updated_by))
        .where(Page.id == page_id).execution_options(populate_existing=True))


def _write_revision(user: User, page: Page, current: int, title: str, body: str, html: str,
                    targets: tuple[str, ...], summary: str, *, verb: str = "edited_page") -> Page:
    """The conditional update plus everything that belongs to a new revision."""
    number = current + 1
    page_id = page.id
    with write_transaction():
        now = utcnow()
        done = db.session.execute(
            update(Page)
            .where(Page.id == page_id, Page.current_revision == current,
                   Page.deleted_at.is_(None))
            .values(current_revision=number, title=title, body=body, body_html=html,
                    updated_at=now, updated_by_id=user.id)
        ).rowcount
        if done != 1:
            raise _Stale()
        # Read path and group in the transaction: the page may have moved since we read it.
        saved = _snapshot(page_id)
        db.session.add(Revision(page_id=page_id, number=number, title=title, body=body,
                                summary=summary, author_id=user.id, created_at=now,
                                size=storage.body_size(body)))
        db.session.flush()
        links.sync_links(page_id, targets)
        _after_save(user, saved, summary, verb)
        db.session.flush()
        db.session.expunge(saved)
    return saved


def _after_save(user: User, page: Page, summary: str, verb: str) -> None:
    """Watch, activity, notifications and the search outbox for a page's new revision."""
    number, path = page.current_revision, page.path
    watch_rows(page.id, [user.id])
    url = diff_url(path, number - 1, number) if number > 1 else page_url(path)
    text = f"{page.title}: {summary}" if summary else page.title
    activities.record(user.id, verb, "page", page.id, group_id=page.group_id, text=text,
                      url=url)
    if number > 1:
        watchers = list(db.session.scalars(
            select(PageWatch.user_id).where(PageWatch.page_id == page.id)))
        notify(watchers, "page_edited", actor_id=user.id, obj=page, object_type="page",
               object_id=page.id, url=url, text=f"{user.name} edited {text}")
    search.enqueue("page", path)


def watch_rows(page_id: int, user_ids: list[int]) -> None:
    """Add watch rows, ignoring existing ones (inside the caller's transaction)."""
    if not user_ids:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(PageWatch).values([{"page_id": page_id, "user_id": uid, "created_at": utcnow()}
                                  for uid in user_ids])
        .on_conflict_do_nothing())


def _create(user: User, path: str, title: str, body: str, summary: str,
            group_slug: str | None) -> SaveResult:
    group = _group_for_new_page(user, group_slug)
    existing = find_page(path)
    if existing is not None:
        raise _exists(user, existing, body)
    html, targets = links.render_body(body, group.id if group else None)
    try:
        with write_transaction():
            now = utcnow()
            page = Page(path=path, title=title, group_id=group.id if group else None,
                        current_revision=1, body=body, body_html=html, created_at=now,
                        created_by_id=user.id, updated_at=now, updated_by_id=user.id)
            db.session.add(page)
            db.session.flush()
            # A new page takes over a path that used to redirect elsewhere.
            db.session.execute(PageRedirect.__table__.delete().where(
                PageRedirect.old_path == path))
            db.session.add(Revision(page_id=page.id, number=1, title=title, body=body,
                                    summary=summary, author_id=user.id, created_at=now,
                                    size=storage.body_size(body)))
            links.sync_links(page.id, targets)
            saved = _snapshot(page.id)
            _after_save(user, saved, summary, "created_page")
            db.session.flush()
            db.session.expunge(saved)
    except IntegrityError:
        existing = find_page(path)
        if existing is None:
            raise
        raise _exists(user, existing, body) from None
    links.refresh_linking_pages([path])
    return SaveResult(saved, 1, created=True)


def _group_for_new_page(user: User, slug: str | None) -> Group | None:
    if slug is None or slug == "":
        return None
    if not isinstance(slug, str):
        raise Invalid("'group' must be a group's short name.", code="invalid_group")
    group = get_visible_group(user, slug)
    if not access.can_post_in_group(user, group):
        raise Forbidden("Join the group to write pages in it.")
    return group


def _exists(user: User, page: Page, body: str) -> Conflict:
    """The 409 for creating a page at a taken path; reveals nothing hidden."""
    if page.deleted_at is not None and access.can_view_group(user, page.group):
        return Conflict("A deleted page has this path. An admin or an owner of its group "
                        "can restore it.", code="page_deleted")
    if access.can_view(user, page):
        return Conflict(
            "A page exists at this path already. To change it, edit it (send "
            "base_revision); your text was not saved.", code="page_exists",
            current_revision=page.current_revision,
            conflict={"base_revision": None, "base": "", "theirs": page.body, "yours": body,
                      "marked": storage.merge("", page.body, body).marked,
                      "their_title": page.title})
    return Conflict("This path cannot be used. Please choose another one.", code="path_taken")


def revert_page(user: User, path: str, revision: object, summary: object = None) -> SaveResult:
    """Save the content of an old revision as a new revision (history stays as it was)."""
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise Invalid("'revision' must be a revision number.", code="invalid_revision")
    page = _page_for_edit(user, clean_path(path))
    old = db.session.scalar(
        select(Revision).where(Revision.page_id == page.id, Revision.number == revision))
    if old is None:
        raise NotFound(f"The page has no revision {revision}.")
    text = _clean_summary(summary) or f"Reverted to revision {revision}"
    return save_page(user, page.path, title=old.title, body=old.body, summary=text,
                     base_revision=page.current_revision)
