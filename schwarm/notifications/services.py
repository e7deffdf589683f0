"""Telling people: :func:`notify` adds inbox rows inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from schwarm import access
from schwarm.db import utcnow, write_transaction
from schwarm.extensions import db
from schwarm.notifications.models import Notification


def notify(
    user_ids: list[int],
    kind: str,
    *,
    actor_id: int | None,
    obj: Any,
    object_type: str,
    object_id: Any,
    url: str,
    text: str,
    batch_key: str | None = None,
    batch_text: Any = None,
) -> int:
    """Add notifications for those of ``user_ids`` who may see ``obj``.

    The actor is never notified of their own action; at most
    MAX_NOTIFICATIONS_PER_EVENT people are told of one event. With
    ``batch_key``, an unread notification with the same key is updated
    instead ("Anna and 3 others liked ..."); ``batch_text(count)`` then
    gives its text. Returns how many people were notified. No commit.
    """
    wanted = [uid for uid in dict.fromkeys(user_ids) if uid != actor_id]
    allowed = access.viewers_among(wanted, obj)
    allowed = allowed[: current_app.config["MAX_NOTIFICATIONS_PER_EVENT"]]
    now = utcnow()
    for user_id in allowed:
        existing = None
        if batch_key:
            existing = db.session.scalar(
                select(Notification).where(
                    Notification.user_id == user_id,
                    Notification.batch_key == batch_key,
                    Notification.read_at.is_(None),
                )
            )
        if existing is not None:
            existing.actor_count += 1
            existing.actor_id = actor_id
            existing.created_at = now
            existing.text = (batch_text(existing.actor_count) if batch_text else text)[:500]
            continue
        db.session.add(
            Notification(
                user_id=user_id, kind=kind, actor_id=actor_id, object_type=object_type,
                object_id=str(object_id), object_url=url[:500], text=text[:500],
                group_id=getattr(obj, "group_id", None) if object_type != "group"
                else getattr(obj, "id", None),
                batch_key=batch_key, created_at=now,
            )
        )
    return len(allowed)


def inbox(user, *, unread_only: bool = False, before_id: int | None = None,
          limit: int = 50) -> list[Notification]:
    """The user's notifications, newest first, without those they can no longer see."""
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .where(access.visible_group_filter(user, Notification.group_id))
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    return list(db.session.scalars(stmt))


def unread_count(user) -> int:
    """How many unread notifications ``user`` may see."""
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .where(access.visible_group_filter(user, Notification.group_id))
    ) or 0


def mark_read(user, ids: list[int] | None = None) -> int:
    """Mark the given (or all) of the user's notifications read."""
    with write_transaction():
        stmt = update(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(ids))
        return db.session.execute(stmt.values(read_at=utcnow())).rowcount


def summary(notification: Notification) -> dict:
    """The API shape of a notification."""
    from schwarm.accounts.services import iso

    return {
        "id": notification.id,
        "kind": notification.kind,
        "actor": notification.actor.username if notification.actor else None,
        "object_url": notification.object_url,
        "text": notification.text,
        "created_at": iso(notification.created_at),
        "read": notification.read,
    }
