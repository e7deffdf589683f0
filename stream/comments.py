"""Comment services: add, edit (with history), soft delete, list. One transaction each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, select, update
from sqlalchemy.orm import joinedload

import search
from schwarm import access, activities
from schwarm.accounts.models import User
from schwarm.activities import Activity
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Forbidden, NotFound
from schwarm.extensions import db
from schwarm.notifications.models import Notification
from schwarm.notifications.services import notify
from stream.models import FOLLOW_POST, Comment, CommentRevision, Follow, Post
from stream.posts import doc_type, get_live_post, get_visible_post, post_url
from stream.text import check_body, excerpt, render_body

# Hooks other features add: hook(comment) inside the transaction that creates it.
COMMENT_CREATED: list[Callable[[Comment], None]] = []


def comment_url(comment: Comment) -> str:
    """The site path of a comment: its post's page, at the comment."""
    return f"{post_url(comment.post_id)}#comment-{comment.id}"


def get_visible_comment(viewer: Any, comment_id: Any) -> Comment:
    """The comment if ``viewer`` may see it and its post, else NotFound."""
    comment = db.session.get(Comment, comment_id) if isinstance(comment_id, int) else None
    if (comment is None or not access.can_view(viewer, comment)
            or not access.can_view(viewer, comment.post)):
        raise NotFound(_("No such comment."), code="not_found")
    return comment


def get_live_comment(viewer: Any, comment_id: Any) -> Comment:
    """A visible comment that is not deleted, on a post that is not deleted."""
    comment = get_visible_comment(viewer, comment_id)
    if comment.deleted_at is not None or comment.post.deleted_at is not None:
        raise NotFound(_("No such comment."), code="not_found")
    return comment


def add_comment(author: User, post: Post, body: Any) -> Comment:
    """A comment on ``post``; tells the author, earlier commenters and those @mentioned."""
    if not access.is_signed_in(author):
        raise Forbidden(_("Sign in to comment."))
    post = get_live_post(author, post.id)
    text = check_body(body)
    rendered = render_body(text, group_id=post.group_id)
    now = utcnow()
    with write_transaction():
        comment = Comment(post_id=post.id, author_id=author.id, body=rendered.text,
                          body_html=rendered.html, created_at=now, like_count=0)
        db.session.add(comment)
        db.session.flush()
        db.session.add(CommentRevision(comment_id=comment.id, body=rendered.text,
                                       editor_id=author.id, created_at=now))
        db.session.execute(update(Post).where(Post.id == post.id)
                           .values(comment_count=Post.comment_count + 1)
                           .execution_options(synchronize_session=False))
        summary = excerpt(rendered.html)
        activities.record(author.id, "commented", "comment", comment.id, group_id=post.group_id,
                          text=summary, url=comment_url(comment))
        _notify_comment(author, post, comment, list(rendered.mention_ids), summary[:80])
        search.enqueue("comment", comment.id)
        for hook in COMMENT_CREATED:
            hook(comment)
    db.session.expire(post)
    return comment


def _notify_comment(author: User, post: Post, comment: Comment, mentioned: list[int],
                    short: str) -> None:
    url = comment_url(comment)
    common = {"actor_id": author.id, "obj": post, "object_type": "comment",
              "object_id": comment.id, "url": url}
    notify(mentioned, "mention", text=f"{author.name} mentioned you: “{short}”", **common)
    told = set(mentioned) | {author.id}
    if post.author_id not in told:
        notify([post.author_id], "comment", text=f"{author.name} commented on your post: "
               f"“{short}”", **common)
        told.add(post.author_id)
    earlier = db.session.scalars(
        select(Comment.author_id).distinct().where(
            Comment.post_id == post.id, Comment.id < comment.id, Comment.deleted_at.is_(None))
    ).all()
    notify([uid for uid in earlier if uid not in told], "reply",
           text=f"{author.name} also commented on a post you commented on: “{short}”",
           **common)
    told.update(earlier)
    followers = db.session.scalars(select(Follow.user_id).where(
        Follow.target_type == FOLLOW_POST, Follow.target_key == str(post.id))).all()
    notify([uid for uid in followers if uid not in told], "comment",
           text=f"{author.name} commented on a post you look after: “{short}”", **common)


def edit_comment(editor: User, comment: Comment, body: Any) -> Comment:
    """A new version of the comment; earlier ones stay in its history."""
    comment = get_live_comment(editor, comment.id)
    if not access.can_edit(editor, comment):
        raise Forbidden(_("Only the author (or an admin) can edit this comment."))
    text = check_body(body)
    if text == comment.body:
        return comment
    group_id = comment.post.group_id
    rendered = render_body(text, group_id=group_id)
    before = set(render_body(comment.body, group_id=group_id).mention_ids)
    now = utcnow()
    with write_transaction():
        comment = db.session.get(Comment, comment.id)
        comment.body, comment.body_html, comment.edited_at = rendered.text, rendered.html, now
        db.session.add(CommentRevision(comment_id=comment.id, body=rendered.text,
                                       editor_id=editor.id, created_at=now))
        summary = excerpt(rendered.html)
        activities.record(editor.id, "edited_comment", "comment", comment.id,
                          group_id=comment.post.group_id, text=summary,
                          url=comment_url(comment))
        notify([uid for uid in rendered.mention_ids if uid not in before], "mention",
               actor_id=editor.id, obj=comment.post, object_type="comment",
               object_id=comment.id, url=comment_url(comment),
               text=f"{editor.name} mentioned you: “{summary[:80]}”")
        search.enqueue("comment", comment.id)
    return comment


def delete_comment(actor: User, comment: Comment) -> None:
    """Soft delete by the author, an owner of the post's group or an admin."""
    comment = get_live_comment(actor, comment.id)
    if not access.can_delete(actor, comment):
        raise Forbidden(_("Only the author, the group's owners or an admin can delete this "
                          "comment."))
    with write_transaction():
        comment = db.session.get(Comment, comment.id)
        comment.deleted_at = utcnow()
        comment.deleted_by_id = actor.id
        post = comment.post
        db.session.execute(update(Post).where(Post.id == post.id)
                           .values(comment_count=Post.comment_count - 1)
                           .execution_options(synchronize_session=False))
        if post.accepted_comment_id == comment.id:
            # An accepted answer that is gone leaves the question open again.
            db.session.execute(update(Post).where(Post.id == post.id)
                               .values(accepted_comment_id=None)
                               .execution_options(synchronize_session=False))
            search.enqueue(doc_type(post), post.id)
        key = str(comment.id)
        db.session.execute(update(Activity).where(and_(
            Activity.object_type == "comment", Activity.object_id == key)).values(text="")
            .execution_options(synchronize_session=False))
        db.session.execute(delete(Notification).where(and_(
            Notification.object_type == "comment", Notification.object_id == key))
            .execution_options(synchronize_session=False))
        activities.record(actor.id, "deleted_comment", "comment", comment.id,
                          group_id=post.group_id, url=post_url(post))
        search.enqueue("comment", comment.id, op="delete")
    db.session.expire_all()


def list_comments(viewer: Any, post: Post, *, after: int | None = None,
                  limit: int = 100, by_votes: bool = False) -> list[Comment]:
    """Comments on a visible post, oldest first, keyset by id (``after``).

    ``by_votes`` (answers to a question): the accepted answer first, then by
    likes, then oldest first.
    """
    post = get_visible_post(viewer, post.id)
    order = [Comment.id]
    if by_votes:
        order = [case((Comment.id == post.accepted_comment_id, 0), else_=1),
                 Comment.like_count.desc(), Comment.created_at, Comment.id]
    stmt = (
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.post_id == post.id, Comment.deleted_at.is_(None))
        .order_by(*order).limit(limit)
    )
    if after is not None:
        stmt = stmt.where(Comment.id > after)
    return list(db.session.scalars(stmt))


def history(viewer: Any, comment: Comment) -> list[CommentRevision]:
    """Every version of the comment, newest first."""
    get_live_comment(viewer, comment.id)
    return list(db.session.scalars(
        select(CommentRevision).options(joinedload(CommentRevision.editor))
        .where(CommentRevision.comment_id == comment.id).order_by(CommentRevision.id.desc())
    ))
