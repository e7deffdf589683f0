"""Mail -> posts and comments, through the stream's services.

Shared by the SMTP gateway and the mbox import: who a sender is, which group
an address names, which post a reply answers, and :func:`deliver`, which turns
one parsed mail into a post (or a comment on the post it replies to) and
records its Message-ID in the same transaction. Visibility and posting rights
come from ``schwarm/access.py``; text goes through ``stream.posts.create_post``
/ ``stream.comments.add_comment`` and so through the markup sanitiser, the
activity log, notifications and the search outbox like any typed post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from mailgate.models import SMTP, MailMessage
from mailgate.parsing import ParsedMail, strip_quoted_tail
from schwarm.accounts.models import User
from schwarm.db import write_transaction
from schwarm.extensions import db
from schwarm.groups.models import Group
from schwarm.groups.services import find_group
from stream import comments, posts
from stream.models import Post

POST = "post"
COMMENT = "comment"
DUPLICATE = "duplicate"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


@dataclass
class Delivery:
    """What became of one mail in one group."""

    status: str  # POST, COMMENT or DUPLICATE
    post_id: int
    comment_id: int | None = None


def list_domain() -> str:
    """The domain of the group addresses (``MAIL_LIST_DOMAIN``), lower-cased; '' if unset."""
    return (current_app.config.get("MAIL_LIST_DOMAIN") or "").strip().lower().lstrip("@")


def group_address(group: Group) -> str | None:
    """``<slug>@<MAIL_LIST_DOMAIN>``, or None when no domain is configured."""
    domain = list_domain()
    return f"{group.slug}@{domain}" if domain else None


def group_for_address(address: str) -> Group | None:
    """The group an address like ``sales@lists.example.com`` names, whoever asks."""
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    if not at or not local or domain.lower() != list_domain() or not list_domain():
        return None
    return find_group(local)


def find_sender(address: str) -> User | None:
    """The account with this e-mail address (active or not), or None."""
    address = (address or "").strip().strip("<>").lower()
    if not address:
        return None
    return db.session.scalar(select(User).where(User.email == address))


def known_message(message_id: str, group_id: int) -> MailMessage | None:
    """The record of a mail already delivered to (or imported into) this group."""
    return db.session.scalar(select(MailMessage).where(
        MailMessage.message_id == message_id, MailMessage.group_id == group_id))


def thread_post(group: Group, references: list[str]) -> Post | None:
    """The live post in ``group`` that the nearest known reference belongs to."""
    if not references:
        return None
    rows = db.session.execute(
        select(MailMessage.message_id, MailMessage.post_id).where(
            MailMessage.group_id == group.id, MailMessage.message_id.in_(references[:50]))
    ).all()
    by_id = dict(rows)
    for reference in references:
        if reference in by_id:
            post = db.session.get(Post, by_id[reference])
            if post is not None and post.deleted_at is None:
                return post
    return None


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _size(size: int) -> str:
    for unit in ("bytes", "kB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"  # pragma: no cover


def compose_body(mail: ParsedMail, *, reply: bool, marker: str = "") -> str:
    """The Markdown of the post or comment: marker line, text, attachment list."""
    text = strip_quoted_tail(mail.text) if reply else mail.text.strip()
    if not text and not reply and not mail.attachments:
        text = mail.subject
    parts = [marker] if marker else []
    if text:
        parts.append(text)
    if mail.attachments:
        listed = "\n".join(f"- {_escape(name)} ({_size(size)})"
                           for name, size in mail.attachments)
        parts.append(f"**Attachments** (not stored):\n\n{listed}")
    return "\n\n".join(parts)


def sender_line(mail: ParsedMail) -> str:
    """``Name (address)`` of the sender, escaped for Markdown."""
    name = _escape(mail.sender_name)
    address = _escape(mail.sender_address)
    return f"{name} ({address})" if name else address


def deliver(author: User, group: Group, mail: ParsedMail, *, source: str = SMTP,
            marker: str = "", parent: Post | None = None) -> Delivery:
    """Mail -> post in ``group`` by ``author``, or a comment when it replies to a
    known post (``parent``, else looked up from its references). One transaction
    with the Message-ID row; a Message-ID already known in the group changes nothing.

    Raises the stream's ServiceErrors (Forbidden, Invalid, TooLarge) unchanged.
    """
    with write_transaction():
        seen = known_message(mail.message_id, group.id)
        if seen is not None:
            return Delivery(DUPLICATE, seen.post_id, seen.comment_id)
        post = parent if parent is not None else thread_post(group, mail.references)
        if post is not None:
            comment = comments.add_comment(
                author, post, compose_body(mail, reply=True, marker=marker))
            result = Delivery(COMMENT, post.id, comment.id)
        else:
            created = posts.create_post(author, compose_body(mail, reply=False, marker=marker),
                                        group=group, title=mail.subject)
            result = Delivery(POST, created.id)
        db.session.add(MailMessage(message_id=mail.message_id, group_id=group.id,
                                   post_id=result.post_id, comment_id=result.comment_id,
                                   source=source, sender=mail.sender_address[:254]))
        db.session.flush()
    return result


def settle_import(delivery: Delivery, moment: datetime) -> None:
    """An imported post or comment gets its original date (also on its first
    revision and its activity), and tells no one: history is not news. Runs
    inside the caller's transaction."""
    from sqlalchemy import delete, update

    from schwarm.activities import Activity
    from schwarm.notifications.models import Notification
    from stream.models import Comment, CommentRevision, PostRevision

    if delivery.comment_id is None:
        db.session.execute(update(Post).where(Post.id == delivery.post_id)
                           .values(created_at=moment).execution_options(
                               synchronize_session=False))
        db.session.execute(update(PostRevision).where(PostRevision.post_id == delivery.post_id)
                           .values(created_at=moment).execution_options(
                               synchronize_session=False))
        kind, key = "post", str(delivery.post_id)
    else:
        db.session.execute(update(Comment).where(Comment.id == delivery.comment_id)
                           .values(created_at=moment).execution_options(
                               synchronize_session=False))
        db.session.execute(update(CommentRevision)
                           .where(CommentRevision.comment_id == delivery.comment_id)
                           .values(created_at=moment).execution_options(
                               synchronize_session=False))
        kind, key = "comment", str(delivery.comment_id)
    db.session.execute(update(Activity).where(Activity.object_type == kind,
                                              Activity.object_id == key)
                       .values(created_at=moment).execution_options(synchronize_session=False))
    db.session.execute(delete(Notification).where(Notification.object_type == kind,
                                                  Notification.object_id == key)
                       .execution_options(synchronize_session=False))
