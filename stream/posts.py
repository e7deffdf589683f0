"""Post services: create, edit (with history), soft delete, pin. One transaction each.

Each write puts the post row, its tags and mentions, a revision, an Activity
row, the notifications and the search outbox row into one transaction, so an
error anywhere leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, and_, cast, delete, or_, select, update
from sqlalchemy.orm import joinedload

import search
from schwarm import access, activities
from schwarm.accounts.models import User
from schwarm.activities import Activity
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups.models import Group, Membership
from schwarm.groups.services import get_visible_group
from schwarm.notifications.models import Notification
from schwarm.notifications.services import notify
from stream.models import (
    ANNOUNCEMENT,
    KINDS,
    QUESTION,
    UPDATE,
    Comment,
    Post,
    PostMention,
    PostRevision,
    PostTag,
)
from stream.text import Body, check_body, check_title, clean_tags, excerpt, render_body

# Hooks other features add (the Q&A feature tells experts of new questions):
# each is called as hook(post) inside the transaction that creates the post.
POST_CREATED: list[Callable[[Post], None]] = []


def post_url(post: Post | int) -> str:
    """The site path of a post."""
    return f"/posts/{post if isinstance(post, int) else post.id}"


def doc_type(post: Post) -> str:
    """The search document type of a post: questions are their own type."""
    return "question" if post.kind == QUESTION else "post"


def get_visible_post(viewer: Any, post_id: Any) -> Post:
    """The post if ``viewer`` may see it, else NotFound (never 403)."""
    post = db.session.get(Post, post_id) if isinstance(post_id, int) else None
    if post is None or not access.can_view(viewer, post):
        raise NotFound(_("No such post."), code="not_found")
    return post


def get_live_post(viewer: Any, post_id: Any) -> Post:
    """A visible post that is not deleted (admins see deleted ones, but nobody acts on them)."""
    post = get_visible_post(viewer, post_id)
    if post.deleted_at is not None:
        raise NotFound(_("No such post."), code="not_found")
    return post


def group_for_posting(viewer: Any, slug: str | None) -> Group | None:
    """The group named by ``slug`` if ``viewer`` may post in it (None: company-wide).

    A private group the viewer cannot see is NotFound (404); a visible group
    they are not a member of is Forbidden (403).
    """
    if not slug:
        return None
    group = get_visible_group(viewer, slug)
    if not access.can_post_in_group(viewer, group):
        raise Forbidden(_("Join the group to post in it."), code="not_a_member")
    return group


def _check_kind(kind: str | None) -> str:
    kind = kind or UPDATE
    if kind not in KINDS:
        raise Invalid(_("The kind is 'update', 'question' or 'announcement'."),
                      code="invalid_kind")
    return kind


def _prepare(kind: str, body: Any, title: Any, extra_tags: list[str],
             group_id: int | None) -> tuple[str, Body]:
    text = check_body(body)
    title = check_title(title, required=kind == QUESTION)
    rendered = render_body(text, group_id=group_id, extra_tags=extra_tags, title=title)
    if kind == QUESTION and not rendered.tags:
        raise Invalid(_("A question needs at least one tag, e.g. #release, so experts find it."),
                      code="missing_tags")
    return title, rendered


def create_post(author: User, body: Any, *, group: Group | None = None, kind: str | None = None,
                title: Any = None, tags: Any = None) -> Post:
    """A new post by ``author``, company-wide or in ``group``."""
    if not access.is_signed_in(author):
        raise Forbidden(_("Sign in to post."))
    kind = _check_kind(kind)
    if group is not None and not access.can_view_group(author, group):
        raise NotFound(_("No such group."))
    if not access.can_post_in_group(author, group):
        raise Forbidden(_("Join the group to post in it."), code="not_a_member")
    extra = clean_tags(tags)
    title, rendered = _prepare(kind, body, title, extra, group.id if group else None)
    now = utcnow()
    with write_transaction():
        post = Post(author_id=author.id, group_id=group.id if group else None, kind=kind,
                    title=title, body=rendered.text, body_html=rendered.html,
                    extra_tags=" ".join(extra), created_at=now, like_count=0, comment_count=0)
        db.session.add(post)
        db.session.flush()
        db.session.add_all(PostTag(post_id=post.id, tag=tag) for tag in rendered.tags)
        db.session.add_all(PostMention(post_id=post.id, user_id=uid)
                           for uid in rendered.mention_ids)
        db.session.add(PostRevision(post_id=post.id, title=title, body=rendered.text,
                                    editor_id=author.id, created_at=now))
        summary = title or excerpt(rendered.html)
        activities.record(author.id, "asked" if kind == QUESTION else "posted", "post", post.id,
                          group_id=post.group_id, text=summary, url=post_url(post))
        _notify_new_post(author, post, group, list(rendered.mention_ids), summary)
        search.enqueue(doc_type(post), post.id)
        for hook in POST_CREATED:
            hook(post)
    return post


def _notify_new_post(author: User, post: Post, group: Group | None, mentioned: list[int],
                     summary: str) -> None:
    short = summary[:80]
    notify(mentioned, "mention", actor_id=author.id, obj=post, object_type="post",
           object_id=post.id, url=post_url(post),
           text=f"{author.name} mentioned you: “{short}”")
    if group is None:
        return
    # Groups are distribution lists: members who asked for it hear of every post.
    listeners = db.session.scalars(
        select(Membership.user_id).where(Membership.group_id == group.id,
                                         Membership.notify_all.is_(True))
    ).all()
    notify([uid for uid in listeners if uid not in set(mentioned)], "group_post",
           actor_id=author.id, obj=post, object_type="post", object_id=post.id,
           url=post_url(post), text=f"{author.name} posted in {group.name}: “{short}”")


def edit_post(editor: User, post: Post, body: Any, *, title: Any = None,
              tags: Any = None) -> Post:
    """A new version of the post's text; the earlier ones stay in its history."""
    post = get_live_post(editor, post.id)
    if not access.can_edit(editor, post):
        raise Forbidden(_("Only the author (or an admin) can edit this post."))
    extra = clean_tags(tags) if tags is not None else post.extra_tags.split()
    new_title, rendered = _prepare(post.kind, body, post.title if title is None else title,
                                   extra, post.group_id)
    if (rendered.text == post.body and new_title == post.title
            and " ".join(extra) == post.extra_tags):
        return post  # nothing changed: no empty revision
    now = utcnow()
    with write_transaction():
        post = db.session.get(Post, post.id)
        before = {row.user_id for row in post.mention_rows}
        _sync_tags(post, rendered.tags)
        post.mention_rows = [row for row in post.mention_rows
                             if row.user_id in rendered.mention_ids]
        for uid in rendered.mention_ids:
            if uid not in before:
                post.mention_rows.append(PostMention(post_id=post.id, user_id=uid))
        post.body, post.body_html, post.title = rendered.text, rendered.html, new_title
        post.extra_tags = " ".join(extra)
        post.edited_at = now
        db.session.add(PostRevision(post_id=post.id, title=new_title, body=rendered.text,
                                    editor_id=editor.id, created_at=now))
        summary = new_title or excerpt(rendered.html)
        activities.record(editor.id, "edited_post", "post", post.id, group_id=post.group_id,
                          text=summary, url=post_url(post))
        fresh = [uid for uid in rendered.mention_ids if uid not in before]
        notify(fresh, "mention", actor_id=editor.id, obj=post, object_type="post",
               object_id=post.id, url=post_url(post),
               text=f"{editor.name} mentioned you: “{summary[:80]}”")
        search.enqueue(doc_type(post), post.id)
    return post


def _sync_tags(post: Post, tags: tuple[str, ...]) -> None:
    wanted = set(tags)
    post.tag_rows = [row for row in post.tag_rows if row.tag in wanted]
    have = {row.tag for row in post.tag_rows}
    post.tag_rows.extend(PostTag(post_id=post.id, tag=tag) for tag in tags if tag not in have)


def delete_post(actor: User, post: Post) -> None:
    """Soft delete by the author, an owner of the post's group or an admin.

    The row and its history stay (admins can still see them); the post leaves
    every stream, count, feed and the index, and what told of it goes too.
    """
    post = get_live_post(actor, post.id)
    if not access.can_delete(actor, post):
        raise Forbidden(_("Only the author, the group's owners or an admin can delete this "
                          "post."))
    with write_transaction():
        post = db.session.get(Post, post.id)
        post.deleted_at = utcnow()
        post.deleted_by_id = actor.id
        post.pinned_at = None
        comment_ids = select(Comment.id).where(Comment.post_id == post.id)
        _forget_texts(post.id)
        activities.record(actor.id, "deleted_post", "post", post.id, group_id=post.group_id)
        search.enqueue(doc_type(post), post.id, op="delete")
        for comment_id in db.session.scalars(comment_ids.where(Comment.deleted_at.is_(None))):
            search.enqueue("comment", comment_id, op="delete")


def _forget_texts(post_id: int) -> None:
    """Deleted words must not live on in activity lines and notification texts."""
    comment_keys = select(cast(Comment.id, String)).where(Comment.post_id == post_id)
    about_post = and_(Activity.object_type == "post", Activity.object_id == str(post_id))
    about_comments = and_(Activity.object_type == "comment",
                          Activity.object_id.in_(comment_keys))
    db.session.execute(update(Activity).where(or_(about_post, about_comments))
                       .values(text="").execution_options(synchronize_session=False))
    db.session.execute(
        delete(Notification).where(or_(
            and_(Notification.object_type == "post", Notification.object_id == str(post_id)),
            and_(Notification.object_type == "comment",
                 Notification.object_id.in_(comment_keys)),
        )).execution_options(synchronize_session=False)
    )


def set_pinned(actor: User, post: Post, pinned: bool) -> Post:
    """Pin an announcement to the top of its group (owners and admins), or unpin it."""
    post = get_live_post(actor, post.id)
    if post.kind != ANNOUNCEMENT or post.group_id is None:
        raise Invalid(_("Only announcements in a group can be pinned."), code="not_pinnable")
    if not access.can_administer_group(actor, post.group):
        raise Forbidden(_("Only the group's owners can pin announcements."))
    if (post.pinned_at is not None) == pinned:
        return post
    with write_transaction():
        post = db.session.get(Post, post.id)
        post.pinned_at = utcnow() if pinned else None
        activities.record(actor.id, "pinned" if pinned else "unpinned", "post", post.id,
                          group_id=post.group_id, text=post.title or excerpt(post.body_html),
                          url=post_url(post))
    return post


def history(viewer: Any, post: Post) -> list[PostRevision]:
    """Every version of the post, newest first, with editor and time."""
    get_visible_post(viewer, post.id)
    return list(db.session.scalars(
        select(PostRevision).options(joinedload(PostRevision.editor))
        .where(PostRevision.post_id == post.id).order_by(PostRevision.id.desc())
    ))
