"""Wiki tables: pages, their revisions, links between them, redirects, watchers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schwarm.accounts.models import User
from schwarm.db import Base, UTCDateTime, utcnow
from schwarm.groups.models import Group


class Page(Base):
    """A wiki page at a unique canonical path (see :func:`wiki.storage.normalize_path`).

    ``body``/``body_html``/``title`` are the current revision's, so that a
    page view reads one row and never the revision history.
    ``current_revision`` is the optimistic-locking version: a save is an
    ``UPDATE ... WHERE current_revision = <base>``.
    """

    __tablename__ = "wiki_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), default=None)
    current_revision: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)

    group: Mapped[Group | None] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    __table_args__ = (
        # Recent pages / the group's pages, newest first.
        Index("ix_wiki_page_updated_at_id", "updated_at", "id"),
        Index("ix_wiki_page_group_id_path", "group_id", "path"),
    )

    def __repr__(self) -> str:
        return f"<Page {self.path} r{self.current_revision}>"


class Revision(Base):
    """One saved version of a page. Never changed or deleted after it is written."""

    __tablename__ = "wiki_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_page.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How big the body is, so history can show it without loading the body.
    size: Mapped[int] = mapped_column(Integer, default=0)

    page: Mapped[Page] = relationship()
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        # The second guard against lost updates: one revision number per page.
        UniqueConstraint("page_id", "number"),
        Index("ix_wiki_revision_author_id_id", "author_id", "id"),
    )


class PageLink(Base):
    """Page ``from_page_id`` links to ``to_path`` (which may not exist yet).

    Storing the target path, not a page id, means links to a missing page are
    found as backlinks as soon as it is created.
    """

    __tablename__ = "wiki_link"

    from_page_id: Mapped[int] = mapped_column(ForeignKey("wiki_page.id"), primary_key=True)
    to_path: Mapped[str] = mapped_column(String(200), primary_key=True)

    __table_args__ = (Index("ix_wiki_link_to_path", "to_path", "from_page_id"),)


class PageRedirect(Base):
    """An old path of a moved page; visiting it leads to the page."""

    __tablename__ = "wiki_redirect"

    old_path: Mapped[str] = mapped_column(String(200), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_page.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PageWatch(Base):
    """``user_id`` is told about edits of ``page_id``."""

    __tablename__ = "wiki_watch"

    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_page.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_wiki_watch_user_id", "user_id", "page_id"),)
