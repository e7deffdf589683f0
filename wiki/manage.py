"""Page housekeeping: watch, move/rename (with redirects), soft delete and restore."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

import search
from schwarm import access, activities
from schwarm.accounts.models import User
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Conflict, Forbidden, Invalid, NotFound
from schwarm.extensions import db
from wiki import links, storage
from wiki.models import Page, PageRedirect, PageWatch
from wiki.services import clean_path, find_page, page_url, watch_rows

# A subtree move rewrites this many pages at most in one transaction.
MAX_MOVE = 500


def _visible(user: User, path: str) -> Page:
    page = find_page(clean_path(path))
    if page is None or not access.can_view_page(user, page):
        raise NotFound("No such page.")
    return page


def watch(user: User, path: str) -> Page:
    """Start watching a page (idempotent)."""
    page = _visible(user, path)
    if not access.is_signed_in(user):
        raise Forbidden("Sign in to watch pages.")
    with write_transaction():
        watch_rows(page.id, [user.id])
    return page


def unwatch(user: User, path: str) -> Page:
    """Stop watching a page (idempotent). Editing it again watches it again."""
    page = _visible(user, path)
    with write_transaction():
        db.session.execute(PageWatch.__table__.delete().where(
            PageWatch.page_id == page.id, PageWatch.user_id == user.id))
    return page


def move_page(user: User, path: str, new_path: str, *, subtree: bool = False
              ) -> list[tuple[str, str]]:
    """Rename a page (and with ``subtree`` the pages below it that ``user`` may edit).

    Old paths redirect to the new ones, and links to them keep counting as
    backlinks. Returns the (old, new) pairs. Pages below that the user may not
    edit (or see) stay where they are.
    """
    page = _visible(user, path)
    if page.deleted_at is not None:
        raise Conflict("Restore the page before moving it.", code="page_deleted")
    if not access.can_edit_page(user, page):
        raise Forbidden("Only members of this page's group can move it.")
    target = clean_path(new_path)
    if target == page.path:
        raise Invalid("The page is at that path already.", code="invalid_path")
    pages = [page]
    if subtree:
        below = db.session.scalars(
            select(Page).options(joinedload(Page.group))
            .where(Page.path.startswith(page.path + "/", autoescape=True),
                   Page.deleted_at.is_(None))
            .order_by(Page.path).limit(MAX_MOVE + 1)).all()
        if len(below) > MAX_MOVE:
            raise Invalid(f"At most {MAX_MOVE} pages can be moved at once.", code="too_many")
        pages += [p for p in below if access.can_edit_page(user, p)]
    moves = [(p, clean_path(storage.move_target(page.path, target, p.path))) for p in pages]
    sources = {p.path for p, _ in moves}
    if sources & {new for _, new in moves}:
        raise Invalid("A page cannot be moved into its own place below itself.",
                      code="invalid_path")
    pairs = [(p.path, new) for p, new in moves]
    try:
        with write_transaction():
            _apply_moves(user, moves, pairs)
    except IntegrityError:
        raise Conflict("A page was created at one of the new paths meanwhile.",
                       code="path_taken") from None
    links.refresh_linking_pages([old for old, _ in pairs] + [new for _, new in pairs])
    return pairs


def _apply_moves(user: User, moves: list[tuple[Page, str]], pairs: list[tuple[str, str]]) -> None:
    new_paths = [new for _, new in pairs]
    taken = db.session.scalars(select(Page.path).where(Page.path.in_(new_paths))).first()
    if taken is not None:
        raise Conflict(f"There is a page at '{taken}' already. Choose another path.",
                       code="path_taken")
    # The new paths stop redirecting elsewhere; they are real pages now.
    db.session.execute(PageRedirect.__table__.delete().where(
        PageRedirect.old_path.in_(new_paths)))
    now = utcnow()
    for (page, new), (old, _) in zip(moves, pairs, strict=True):
        db.session.execute(update(Page).where(Page.id == page.id).values(path=new))
        db.session.add(PageRedirect(old_path=old, page_id=page.id, created_at=now))
        search.enqueue("page", old, op="delete")
        search.enqueue("page", new)
    root, (old_root, new_root) = moves[0][0], pairs[0]
    extra = f" (+{len(pairs) - 1})" if len(pairs) > 1 else ""
    activities.record(user.id, "moved_page", "page", root.id, group_id=root.group_id,
                      text=f"{root.title}: {old_root} -> {new_root}{extra}",
                      url=page_url(new_root))


def delete_page(user: User, path: str) -> Page:
    """Soft-delete a page: hidden, history kept, restorable. Admins and group owners."""
    page = _visible(user, path)
    if not access.can_manage_page(user, page):
        raise Forbidden("Only admins and owners of the page's group can delete pages.")
    if page.deleted_at is not None:
        return page
    page_id, page_path = page.id, page.path
    with write_transaction():
        db.session.execute(update(Page).where(Page.id == page_id, Page.deleted_at.is_(None))
                           .values(deleted_at=utcnow(), deleted_by_id=user.id))
        activities.record(user.id, "deleted_page", "page", page_id, group_id=page.group_id,
                          text=page.title, url=page_url(page_path))
        search.enqueue("page", page_path, op="delete")
    links.refresh_linking_pages(_all_paths(page_id, page_path))
    return find_page(page_path)


def restore_page(user: User, path: str) -> Page:
    """Bring a soft-deleted page back, with its history. Admins and group owners."""
    page = _visible(user, path)
    if not access.can_manage_page(user, page):
        raise Forbidden("Only admins and owners of the page's group can restore pages.")
    if page.deleted_at is None:
        return page
    page_id, page_path = page.id, page.path
    with write_transaction():
        db.session.execute(update(Page).where(Page.id == page_id)
                           .values(deleted_at=None, deleted_by_id=None))
        activities.record(user.id, "restored_page", "page", page_id, group_id=page.group_id,
                          text=page.title, url=page_url(page_path))
        search.enqueue("page", page_path)
    links.refresh_linking_pages(_all_paths(page_id, page_path))
    return find_page(page_path)


def _all_paths(page_id: int, path: str) -> list[str]:
    old = db.session.scalars(select(PageRedirect.old_path).where(PageRedirect.page_id == page_id))
    return [path, *old]
