"""Activities: one row per thing that happened. Streams of "what X did" and the
catch-up page are views over these rows.

:func:`record` only adds the row to the current session: it is written in the
same transaction as the content it describes, by the calling service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schwarm.accounts.models import User
from schwarm.db import Base, UTCDateTime, utcnow
from schwarm.extensions import db


class Activity(Base):
    """``actor`` did ``verb`` to ``object_type``/``object_id`` (in ``group_id``)."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    verb: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(255))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), default=None)
    text: Mapped[str] = mapped_column(String(500), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_activity_actor_id_id", "actor_id", "id"),
        Index("ix_activity_group_id_id", "group_id", "id"),
        Index("ix_activity_object", "object_type", "object_id"),
    )


def record(
    actor_id: int | None,
    verb: str,
    object_type: str,
    object_id: object,
    *,
    group_id: int | None = None,
    text: str = "",
    url: str = "",
) -> Activity:
    """Add an Activity row to the current transaction (no commit)."""
    activity = Activity(
        actor_id=actor_id,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        group_id=group_id,
        text=text[:500],
        url=url[:500],
        created_at=utcnow(),
    )
    db.session.add(activity)
    return activity


def recent_for_actor(viewer, actor_id: int, limit: int = 20) -> list[Activity]:
    """A person's recent activity, only what ``viewer`` may see."""
    from schwarm import access

    stmt = (
        select(Activity)
        .where(Activity.actor_id == actor_id)
        .where(access.visible_group_filter(viewer, Activity.group_id))
        .order_by(Activity.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
