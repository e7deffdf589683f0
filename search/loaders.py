"""Documents for the core's people and groups, and the listener that enqueues them.

The core must not import search, so user and group changes are noticed by a
session ``after_flush`` listener: new or changed :class:`User` (name, title,
department, expertise, active), :class:`UserExpertise` and :class:`Group`
rows add outbox rows on the same connection, i.e. in the same transaction.
Memberships are not indexed: access is decided at query time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import selectinload

from schwarm.accounts.models import User, UserExpertise
from schwarm.db import utcnow
from schwarm.extensions import db
from schwarm.groups.models import Group
from search.documents import SearchDocument, mark_enqueued, register_document_type
from search.models import IndexOutbox

_ENABLED = "schwarm.search.listen"
USER_FIELDS = ("username", "display_name", "title", "department", "active", "expertise_rows")
GROUP_FIELDS = ("slug", "name", "description", "visibility")


def _int_ids(ids: Iterable[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def load_users(ids: list[str]) -> Iterator[SearchDocument]:
    """Profiles: name, title, department, expertise. Former colleagues stay findable."""
    users = db.session.scalars(
        select(User).where(User.id.in_(_int_ids(ids))).options(selectinload(User.expertise_rows))
    )
    for user in users:
        expertise = user.expertise
        yield SearchDocument(
            type="user",
            id=str(user.id),
            title=user.name,
            body=" ".join(filter(None, [user.username, user.title, user.department,
                                        *expertise])),
            url=f"/u/{user.username}",
            created_at=user.created_at,
            updated_at=user.deactivated_at,
            tags=list(expertise),
            audience="signed_in",
            extra={"username": user.username, "title": user.title,
                   "department": user.department, "active": user.active},
        )


def all_user_ids() -> Iterator[str]:
    """Every account (also deactivated ones: their profiles stay findable)."""
    for user_id in db.session.scalars(select(User.id).order_by(User.id)):
        yield str(user_id)


def load_groups(ids: list[str]) -> Iterator[SearchDocument]:
    """Groups: name and description, inside their own group for access."""
    rows = db.session.execute(
        select(Group, User.username)
        .outerjoin(User, User.id == Group.created_by_id)
        .where(Group.id.in_(_int_ids(ids)))
    )
    for group, creator in rows:
        yield SearchDocument(
            type="group",
            id=str(group.id),
            title=group.name,
            body=f"{group.slug} {group.description or ''}",
            url=f"/groups/{group.slug}",
            created_at=group.created_at,
            author=creator,
            group_id=group.id,
            extra={"slug": group.slug, "visibility": group.visibility},
        )


def all_group_ids() -> Iterator[str]:
    """Every group."""
    for group_id in db.session.scalars(select(Group.id).order_by(Group.id)):
        yield str(group_id)


def _changed(obj, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _after_flush(session, _flush_context) -> None:
    if not (has_app_context() and current_app.extensions.get(_ENABLED)):
        return
    changes: dict[tuple[str, int], None] = {}
    for obj in session.new:
        if isinstance(obj, User):
            changes[("user", obj.id)] = None
        elif isinstance(obj, UserExpertise):
            changes[("user", obj.user_id)] = None
        elif isinstance(obj, Group):
            changes[("group", obj.id)] = None
    for obj in session.dirty:
        if isinstance(obj, User) and _changed(obj, USER_FIELDS):
            changes[("user", obj.id)] = None
        elif isinstance(obj, Group) and _changed(obj, GROUP_FIELDS):
            changes[("group", obj.id)] = None
    for obj in session.deleted:
        if isinstance(obj, UserExpertise):
            changes[("user", obj.user_id)] = None
        elif isinstance(obj, Group):
            changes[("group", obj.id)] = None  # the loader finds nothing: removed
    changes.pop(("user", None), None)
    if not changes:
        return
    now = utcnow()
    # Core insert on the flush's connection: same transaction, no re-entrant flush.
    session.connection().execute(
        insert(IndexOutbox.__table__),
        [{"doc_type": t, "doc_id": str(i), "op": "upsert", "created_at": now}
         for t, i in changes],
    )
    mark_enqueued(session)


def init_app(app: Flask) -> None:
    """Register the user and group document types and the change listener."""
    register_document_type(app, "user", load_users, all_user_ids)
    register_document_type(app, "group", load_groups, all_group_ids)
    app.extensions[_ENABLED] = True
    if not event.contains(FlaskSession, "after_flush", _after_flush):
        event.listen(FlaskSession, "after_flush", _after_flush)
