"""What the stream gives the search index: posts, questions and comments.

Loaders return the current state of the documents asked for; deleted or
missing ones (and comments on deleted posts) yield nothing, so the index
drops them. Access is decided at query time from ``group_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from schwarm import markup
from schwarm.extensions import db
from search import SearchDocument
from stream.comments import comment_url
from stream.models import QUESTION, Comment, Post
from stream.posts import post_url
from stream.text import excerpt

BATCH = 500


def _int_ids(ids: Iterable[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def _post_document(post: Post, accepted: Comment | None) -> SearchDocument:
    extra = {}
    if post.kind == QUESTION:
        extra = {"answered": post.accepted_comment_id is not None,
                 "accepted_answer": markup.html_text(accepted.body_html) if accepted else None}
    return SearchDocument(
        type="question" if post.kind == QUESTION else "post",
        id=str(post.id),
        title=post.title or excerpt(post.body_html, 80),
        body=markup.html_text(post.body_html),
        url=post_url(post),
        created_at=post.created_at,
        updated_at=post.edited_at,
        author=post.author.username,
        group_id=post.group_id,
        tags=post.tags,
        kind=post.kind,
        extra=extra,
    )


def _load_posts(ids: list[str], kinds: tuple[str, ...]) -> Iterator[SearchDocument]:
    wanted = _int_ids(ids)
    if not wanted:
        return
    found = db.session.scalars(
        select(Post).options(joinedload(Post.author), selectinload(Post.tag_rows))
        .where(Post.id.in_(wanted), Post.deleted_at.is_(None), Post.kind.in_(kinds))
    ).unique().all()
    accepted_ids = [p.accepted_comment_id for p in found if p.accepted_comment_id]
    accepted = {c.id: c for c in db.session.scalars(select(Comment).where(
        Comment.id.in_(accepted_ids), Comment.deleted_at.is_(None)))} if accepted_ids else {}
    for post in found:
        yield _post_document(post, accepted.get(post.accepted_comment_id))


def load_posts(ids: list[str]) -> Iterator[SearchDocument]:
    """Documents of type ``post`` (updates and announcements)."""
    return _load_posts(ids, ("update", "announcement"))


def load_questions(ids: list[str]) -> Iterator[SearchDocument]:
    """Documents of type ``question``, with ``answered`` and ``accepted_answer``."""
    return _load_posts(ids, (QUESTION,))


def load_comments(ids: list[str]) -> Iterator[SearchDocument]:
    """Documents of type ``comment``; comments on deleted posts yield nothing."""
    wanted = _int_ids(ids)
    if not wanted:
        return
    rows = db.session.scalars(
        select(Comment).join(Post, Post.id == Comment.post_id)
        .options(joinedload(Comment.author), joinedload(Comment.post).selectinload(
            Post.tag_rows))
        .where(Comment.id.in_(wanted), Comment.deleted_at.is_(None),
               Post.deleted_at.is_(None))
    ).unique().all()
    for comment in rows:
        post = comment.post
        yield SearchDocument(
            type="comment",
            id=str(comment.id),
            title=post.title or excerpt(post.body_html, 80),
            body=markup.html_text(comment.body_html),
            url=comment_url(comment),
            created_at=comment.created_at,
            updated_at=comment.edited_at,
            author=comment.author.username,
            group_id=post.group_id,
            tags=post.tags,
            extra={"post_id": post.id, "post_kind": post.kind,
                   "accepted": post.accepted_comment_id == comment.id},
        )


def _all(stmt) -> Iterator[str]:
    last = 0
    while True:
        batch = db.session.scalars(stmt.where(stmt.selected_columns[0] > last)
                                   .order_by(stmt.selected_columns[0]).limit(BATCH)).all()
        if not batch:
            return
        yield from (str(i) for i in batch)
        last = batch[-1]


def all_post_ids() -> Iterator[str]:
    """Every live update and announcement, in batches."""
    return _all(select(Post.id).where(Post.deleted_at.is_(None), Post.kind != QUESTION))


def all_question_ids() -> Iterator[str]:
    """Every live question, in batches."""
    return _all(select(Post.id).where(Post.deleted_at.is_(None), Post.kind == QUESTION))


def all_comment_ids() -> Iterator[str]:
    """Every live comment on a live post, in batches."""
    return _all(select(Comment.id).join(Post, Post.id == Comment.post_id)
                .where(Comment.deleted_at.is_(None), Post.deleted_at.is_(None)))
