"""The API shapes of posts, comments and likers (API.md)."""

from __future__ import annotations

from flask import url_for

from schwarm.accounts.models import User
from schwarm.accounts.services import iso
from stream.models import Comment, Post


def post_summary(post: Post, *, liked: bool | None = None) -> dict:
    """``id, author, group, kind, title, body, html, tags[], mentions[], created_at,
    edited_at, like_count, comment_count, accepted_comment_id, pinned, url``."""
    data = {
        "id": post.id,
        "author": post.author.username,
        "group": post.group.slug if post.group is not None else None,
        "kind": post.kind,
        "title": post.title or None,
        "body": post.body,
        "html": post.body_html,
        "tags": post.tags,
        "mentions": sorted(post.mentions),
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "like_count": post.like_count,
        "comment_count": post.comment_count,
        "accepted_comment_id": post.accepted_comment_id,
        "pinned": post.pinned_at is not None,
        "url": url_for("stream.post", post_id=post.id, _external=True),
    }
    if post.deleted_at is not None:  # only admins get here
        data["deleted_at"] = iso(post.deleted_at)
    if liked is not None:
        data["liked"] = liked
    return data


def comment_summary(comment: Comment, *, liked: bool | None = None) -> dict:
    """``id, post_id, author, body, html, created_at, edited_at, like_count, url``."""
    data = {
        "id": comment.id,
        "post_id": comment.post_id,
        "author": comment.author.username,
        "body": comment.body,
        "html": comment.body_html,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "like_count": comment.like_count,
        "url": url_for("stream.post", post_id=comment.post_id, _external=True,
                       _anchor=f"comment-{comment.id}"),
    }
    if liked is not None:
        data["liked"] = liked
    return data


def liker_summary(user: User) -> dict:
    """Who liked: ``username, display_name``."""
    return {"username": user.username, "display_name": user.display_name}


def revision_summary(revision) -> dict:
    """One version in a history: ``id, body, title?, editor, created_at``."""
    data = {
        "id": revision.id,
        "body": revision.body,
        "editor": revision.editor.username,
        "created_at": iso(revision.created_at),
    }
    if hasattr(revision, "title"):
        data["title"] = revision.title or None
    return data
