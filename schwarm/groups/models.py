"""Groups: the audiences that replace distribution lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schwarm.accounts.models import User
from schwarm.db import Base, UTCDateTime, utcnow

PUBLIC = "public"
PRIVATE = "private"
OWNER = "owner"
MEMBER = "member"


class Group(Base):
    """A public (anyone may read and join) or private (members only) group."""

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(8), default=PUBLIC)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("visibility IN ('public', 'private')", name="visibility"),
        Index("ix_group_visibility", "visibility"),
    )

    @property
    def is_private(self) -> bool:
        return self.visibility == PRIVATE

    def __repr__(self) -> str:
        return f"<Group {self.slug}>"


class Membership(Base):
    """A user in a group, as member or owner. The primary key forbids duplicates."""

    __tablename__ = "membership"

    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8), default=MEMBER)
    notify_all: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("role IN ('member', 'owner')", name="role"),
        # "which groups is this user in" — used by every visibility filter.
        Index("ix_membership_user_group", "user_id", "group_id"),
    )
