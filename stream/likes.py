"""Likes on posts and comments: idempotent, counted atomically, batched notifications.

The unique constraint decides whether a like is new (``INSERT ... ON CONFLICT
DO NOTHING``); the counter changes only when a row really was inserted or
deleted, with ``UPDATE ... SET like_count = like_count ± 1``, so two people
liking at once never lose a count and liking twice counts once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from schwarm import activities
from schwarm.accounts.models import User
from schwarm.db import utcnow, write_transaction
from schwarm.extensions import db
from schwarm.notifications.services import notify
from stream.comments import comment_url, get_live_comment
from stream.models import Comment, CommentLike, Post, PostLike
from stream.posts import get_live_post, get_visible_post, post_url
from stream.text import excerpt


def _insert_once(model: type, **values: Any) -> bool:
    """Insert a row unless the unique constraint has it already; True when inserted."""
    dialect = db.session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        # RETURNING tells reliably whether a row was written (psycopg reports no
        # rowcount for this statement).
        stmt = dialect_insert(model).values(**values).on_conflict_do_nothing().returning(
            model.id)
        return db.session.execute(stmt).scalar() is not None
    try:  # other databases: a savepoint keeps the outer transaction usable
        with db.session.begin_nested():
            db.session.execute(insert(model).values(**values))
        return True
    except IntegrityError:
        return False


def _others(count: int) -> str:
    return "1 other" if count == 1 else f"{count} others"


def like_post(user: User, post: Post) -> int:
    """``user`` likes ``post`` (again: no change). Returns the like count."""
    post = get_live_post(user, post.id)
    with write_transaction():
        if _insert_once(PostLike, post_id=post.id, user_id=user.id, created_at=utcnow()):
            db.session.execute(update(Post).where(Post.id == post.id)
                               .values(like_count=Post.like_count + 1)
                               .execution_options(synchronize_session=False))
            short = (post.title or excerpt(post.body_html))[:80]
            activities.record(user.id, "liked", "post", post.id, group_id=post.group_id,
                              text=short, url=post_url(post))
            notify([post.author_id], "like", actor_id=user.id, obj=post, object_type="post",
                   object_id=post.id, url=post_url(post),
                   text=f"{user.name} liked your post “{short}”",
                   batch_key=f"like:post:{post.id}",
                   batch_text=lambda n: f"{user.name} and {_others(n - 1)} liked your post "
                                        f"“{short}”")
        count = db.session.scalar(select(Post.like_count).where(Post.id == post.id))
    db.session.expire(post)
    return count


def unlike_post(user: User, post: Post) -> int:
    """Take a like back (none: no change). Returns the like count."""
    post = get_live_post(user, post.id)
    with write_transaction():
        gone = db.session.execute(delete(PostLike).where(
            PostLike.post_id == post.id, PostLike.user_id == user.id)).rowcount
        if gone:
            db.session.execute(update(Post).where(Post.id == post.id)
                               .values(like_count=Post.like_count - 1)
                               .execution_options(synchronize_session=False))
            activities.record(user.id, "unliked", "post", post.id, group_id=post.group_id,
                              url=post_url(post))
        count = db.session.scalar(select(Post.like_count).where(Post.id == post.id))
    db.session.expire(post)
    return count


def like_comment(user: User, comment: Comment) -> int:
    """``user`` likes ``comment``. Returns its like count."""
    comment = get_live_comment(user, comment.id)
    group_id = comment.post.group_id
    with write_transaction():
        if _insert_once(CommentLike, comment_id=comment.id, user_id=user.id,
                        created_at=utcnow()):
            db.session.execute(update(Comment).where(Comment.id == comment.id)
                               .values(like_count=Comment.like_count + 1)
                               .execution_options(synchronize_session=False))
            short = excerpt(comment.body_html)[:80]
            activities.record(user.id, "liked", "comment", comment.id, group_id=group_id,
                              text=short, url=comment_url(comment))
            notify([comment.author_id], "like", actor_id=user.id, obj=comment.post,
                   object_type="comment", object_id=comment.id, url=comment_url(comment),
                   text=f"{user.name} liked your comment “{short}”",
                   batch_key=f"like:comment:{comment.id}",
                   batch_text=lambda n: f"{user.name} and {_others(n - 1)} liked your "
                                        f"comment “{short}”")
        count = db.session.scalar(select(Comment.like_count).where(Comment.id == comment.id))
    db.session.expire(comment)
    return count


def unlike_comment(user: User, comment: Comment) -> int:
    """Take a like of a comment back. Returns its like count."""
    comment = get_live_comment(user, comment.id)
    group_id = comment.post.group_id
    with write_transaction():
        gone = db.session.execute(delete(CommentLike).where(
            CommentLike.comment_id == comment.id, CommentLike.user_id == user.id)).rowcount
        if gone:
            db.session.execute(update(Comment).where(Comment.id == comment.id)
                               .values(like_count=Comment.like_count - 1)
                               .execution_options(synchronize_session=False))
            activities.record(user.id, "unliked", "comment", comment.id, group_id=group_id,
                              url=comment_url(comment))
        count = db.session.scalar(select(Comment.like_count).where(Comment.id == comment.id))
    db.session.expire(comment)
    return count


def post_likers(viewer: Any, post: Post, *, before: int | None = None,
                limit: int = 50) -> list[tuple[int, User]]:
    """Who liked a visible post, newest like first: ``(like id, user)`` for keyset paging."""
    post = get_visible_post(viewer, post.id)
    stmt = (select(PostLike.id, User).join(User, User.id == PostLike.user_id)
            .where(PostLike.post_id == post.id).order_by(PostLike.id.desc()).limit(limit))
    if before is not None:
        stmt = stmt.where(PostLike.id < before)
    return [(like_id, user) for like_id, user in db.session.execute(stmt)]


def comment_likers(viewer: Any, comment: Comment, *, before: int | None = None,
                   limit: int = 50) -> list[tuple[int, User]]:
    """Who liked a visible comment, newest like first."""
    comment = get_live_comment(viewer, comment.id)
    stmt = (select(CommentLike.id, User).join(User, User.id == CommentLike.user_id)
            .where(CommentLike.comment_id == comment.id).order_by(CommentLike.id.desc())
            .limit(limit))
    if before is not None:
        stmt = stmt.where(CommentLike.id < before)
    return [(like_id, user) for like_id, user in db.session.execute(stmt)]


def liked_post_ids(user: Any, post_ids: list[int]) -> set[int]:
    """Which of ``post_ids`` ``user`` likes (one query for a whole page)."""
    if not post_ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(PostLike.post_id).where(
        PostLike.user_id == user.id, PostLike.post_id.in_(post_ids))))


def liked_comment_ids(user: Any, comment_ids: list[int]) -> set[int]:
    """Which of ``comment_ids`` ``user`` likes (one query)."""
    if not comment_ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(CommentLike.comment_id).where(
        CommentLike.user_id == user.id, CommentLike.comment_id.in_(comment_ids))))
