"""Posts, comments, likes, tags, mentions and follows.

Streams are ordered by post id (ids grow with time), so a keyset cursor is
just the last id shown, and every stream scope has an index that serves
``WHERE <scope> AND id < :cursor ORDER BY id DESC LIMIT n``:

* all posts: the primary key,
* a group: ``(group_id, id)``, a person: ``(author_id, id)``,
* a tag: ``post_tag (tag, post_id)``, mentions: ``post_mention (user_id, post_id)``.

Counters (likes, comments) live on the rows and are changed with
``UPDATE ... SET n = n + 1`` only when the like/comment row really changed,
so concurrent requests never lose a count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schwarm.accounts.models import User
from schwarm.db import Base, UTCDateTime, utcnow
from schwarm.groups.models import Group

UPDATE = "update"
QUESTION = "question"
ANNOUNCEMENT = "announcement"
KINDS = (UPDATE, QUESTION, ANNOUNCEMENT)

FOLLOW_USER = "user"
FOLLOW_GROUP = "group"
FOLLOW_TAG = "tag"
FOLLOW_KINDS = (FOLLOW_USER, FOLLOW_GROUP, FOLLOW_TAG)
# Following one post (key = post id): told of every new comment. Set by the
# handover of a leaver's open questions; not offered as a follow kind in the UI.
FOLLOW_POST = "post"


class Post(Base):
    """A short Markdown message, company-wide or in one group.

    ``accepted_comment_id`` is for questions (the Q&A feature); it has no
    foreign key because post and comment would reference each other, and
    comments are never hard-deleted, so the id stays meaningful.
    """

    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), default=None)
    kind: Mapped[str] = mapped_column(String(16), default=UPDATE)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Tags given besides the #tags in the text (API ``tags``), space-separated,
    # kept so that an edit of the text does not drop them.
    extra_tags: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_comment_id: Mapped[int | None] = mapped_column(Integer, default=None)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    group: Mapped[Group | None] = relationship()
    tag_rows: Mapped[list[PostTag]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostTag.tag"
    )
    mention_rows: Mapped[list[PostMention]] = relationship(
        back_populates="post", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('update', 'question', 'announcement')", name="kind"),
        Index("ix_post_group_id_id", "group_id", "id"),
        Index("ix_post_author_id_id", "author_id", "id"),
        Index("ix_post_kind_id", "kind", "id"),
        Index("ix_post_group_id_pinned_at", "group_id", "pinned_at"),
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def mentions(self) -> list[str]:
        return [row.user.username for row in self.mention_rows]

    @property
    def is_question(self) -> bool:
        return self.kind == QUESTION

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Post {self.id}>"


class PostRevision(Base):
    """One version of a post's text: the first and every edit, with editor and time."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User] = relationship()

    __table_args__ = (Index("ix_post_revision_post_id_id", "post_id", "id"),)


class PostTag(Base):
    """A normalised #tag of a post; ``(tag, post_id)`` serves the tag stream."""

    __tablename__ = "post_tag"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(128), primary_key=True)

    post: Mapped[Post] = relationship(back_populates="tag_rows")

    __table_args__ = (Index("ix_post_tag_tag_post_id", "tag", "post_id"),)


class PostMention(Base):
    """A user @mentioned in a post; ``(user_id, post_id)`` serves the home stream."""

    __tablename__ = "post_mention"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)

    post: Mapped[Post] = relationship(back_populates="mention_rows")
    user: Mapped[User] = relationship()

    __table_args__ = (Index("ix_post_mention_user_id_post_id", "user_id", "post_id"),)


class Comment(Base):
    """A reply to a post (one level, like Yammer); on a question it is an answer."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), default=None)
    like_count: Mapped[int] = mapped_column(Integer, default=0)

    post: Mapped[Post] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    __table_args__ = (
        Index("ix_comment_post_id_id", "post_id", "id"),
        Index("ix_comment_author_id_id", "author_id", "id"),
    )

    @property
    def group(self) -> Group | None:
        """The post's group: a comment is visible exactly where its post is."""
        return self.post.group

    @property
    def group_id(self) -> int | None:
        return self.post.group_id

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.post_id}>"


class CommentRevision(Base):
    """One version of a comment's text."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"))
    body: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User] = relationship()

    __table_args__ = (Index("ix_comment_revision_comment_id_id", "comment_id", "id"),)


class PostLike(Base):
    """A user likes a post; the unique constraint makes liking idempotent."""

    __tablename__ = "post_like"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "post_id"),
        Index("ix_post_like_post_id_id", "post_id", "id"),
    )


class CommentLike(Base):
    """A user likes a comment."""

    __tablename__ = "comment_like"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "comment_id"),
        Index("ix_comment_like_comment_id_id", "comment_id", "id"),
    )


class Follow(Base):
    """A user follows a person (key = user id), a group (key = group id) or a tag.

    Keys are strings so that one table serves every kind of target; the
    unique constraint makes following idempotent.
    """

    __tablename__ = "follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    target_type: Mapped[str] = mapped_column(String(8))
    target_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_key"),
        # "who follows this" (e.g. to tell followers of a tag)
        Index("ix_follow_target_type_target_key", "target_type", "target_key"),
    )
