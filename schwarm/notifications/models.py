"""The notification inbox rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schwarm.accounts.models import User
from schwarm.db import Base, UTCDateTime, utcnow


class Notification(Base):
    """One entry in a user's inbox.

    ``batch_key`` groups repeated events on one object (likes) into a single
    unread entry: "Anna and 3 others liked ...". ``group_id`` lets the inbox
    hide entries whose group the user can no longer see.
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(255), default="")
    object_url: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(String(500), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), default=None)
    batch_key: Mapped[str | None] = mapped_column(String(255), default=None)
    actor_count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    __table_args__ = (
        Index("ix_notification_user_id_id", "user_id", "id"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_user_batch", "user_id", "batch_key"),
    )

    @property
    def read(self) -> bool:
        return self.read_at is not None
