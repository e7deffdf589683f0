"""The stream's part of a leaver's handover: their open questions.

An open question is a live post of kind ``question`` with no accepted answer.
Handing one over means the successor takes care of it: they follow the
question (a ``post`` follow), so every new answer notifies them as it would
the asker, and the handover is recorded as an Activity. The question keeps
its author: it stays the leaver's, attributed, searchable.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from schwarm import access, activities, handover
from schwarm.accounts.models import User
from schwarm.db import utcnow
from schwarm.extensions import db
from stream.models import FOLLOW_POST, QUESTION, Follow, Post
from stream.posts import post_url


def open_questions(user: User) -> list[Post]:
    """``user``'s live questions without an accepted answer, newest first."""
    return list(db.session.scalars(
        select(Post).where(Post.author_id == user.id, Post.kind == QUESTION,
                           Post.accepted_comment_id.is_(None), Post.deleted_at.is_(None))
        .order_by(Post.id.desc())
    ))


def follow_post(user_id: int, post_id: int) -> None:
    """``user_id`` follows the post (inside the caller's transaction; idempotent)."""
    exists = db.session.scalar(select(Follow.id).where(
        Follow.user_id == user_id, Follow.target_type == FOLLOW_POST,
        Follow.target_key == str(post_id)))
    if exists is None:
        db.session.add(Follow(user_id=user_id, target_type=FOLLOW_POST,
                              target_key=str(post_id), created_at=utcnow()))


def _as_items(questions: list[Post]) -> list[handover.Item]:
    return [handover.Item(id=str(post.id), title=post.title or post.body[:80],
                          url=post_url(post.id),
                          note=ngettext("%(num)s answer", "%(num)s answers", post.comment_count))
            for post in questions]


def question_source(key: str, label, find: Callable[[User], list[Post]]) -> handover.Source:
    """A handover source for any list of questions (``find(user) -> posts``); handing one
    over makes the successor follow it. E.g. the Q&A's routed questions::

        handover.register(app, question_source(
            "routed_questions", _l("Questions routed to them"), routed_open_questions))
    """
    return handover.Source(key=key, label=label, items=lambda user: _as_items(find(user)),
                           transfer=transfer_questions)


def transfer_questions(admin: User, user: User, successor: User, ids: list[str]) -> list[str]:
    """The successor follows each question (post ids) they may see; one Activity each.

    Also fits other question sources (e.g. questions routed to the leaver).
    """
    posts = db.session.scalars(select(Post).where(Post.id.in_([int(i) for i in ids]))).all()
    done = []
    for post in posts:
        if not access.viewers_among([successor.id], post):
            continue
        follow_post(successor.id, post.id)
        activities.record(admin.id, "handed_over", "post", post.id, group_id=post.group_id,
                          text=f"{post.title or post.body[:80]}: {user.name} -> {successor.name}",
                          url=post_url(post.id))
        done.append(str(post.id))
    return done


def register(app: Flask) -> None:
    """Add the leaver's open questions to the handover."""
    handover.register(app, question_source("questions", _l("Their unanswered questions"),
                                           open_questions))
