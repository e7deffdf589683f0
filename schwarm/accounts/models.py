"""Accounts: users, their login sessions, API/feed tokens, invites, expertise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schwarm.db import Base, UTCDateTime, utcnow


class User(Base):
    """A person in the company. Never deleted: leavers are deactivated."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NFKC + case-folded; the unique constraint, not Python, prevents duplicates.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(120), default="")
    department: Mapped[str] = mapped_column(String(120), default="")
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Where the catch-up page starts: the last request of the visit before this one.
    previous_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # E-mail: each notification at once (opt-in), and a digest: none, daily, weekly.
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    email_digest: Mapped[str] = mapped_column(String(8), default="none")

    expertise_rows: Mapped[list[UserExpertise]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserExpertise.tag"
    )

    # --- Flask-Login protocol: the id is the login session's key, so that
    # signing out or deactivation ends exactly the sessions it should. ---
    login_key = None  # set by the session loader; not a column

    @property
    def is_authenticated(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.login_key

    @property
    def expertise(self) -> list[str]:
        return [row.tag for row in self.expertise_rows]

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserExpertise(Base):
    """A tag a user declares expertise in; questions with that tag notify them."""

    __tablename__ = "user_expertise"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)

    user: Mapped[User] = relationship(back_populates="expertise_rows")

    __table_args__ = (Index("ix_user_expertise_tag", "tag", "user_id"),)


class LoginSession(Base):
    """One signed-in browser. The cookie holds a random key; we keep its hash."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A personal token: ``api`` for the JSON API, ``feed`` for private Atom feeds.

    Only the SHA-256 of the token is stored; the token is shown once.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(8), default="api")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()


class Invite(Base):
    """A sign-up link made by an admin; single use, expires."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    uses: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("used_by_id"),)
