"""Q&A services: routing new questions to experts, accepting answers, escalation.

A question is a stream post of kind ``question`` (title, body, at least one
tag); its answers are comments, votes are likes on comments. An *answer*
counts only when someone other than the asker wrote it (the asker's own
comments are clarifications). Every write is one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

import search
from questions.models import ESCALATION, EXPERT, QuestionRouting, QuestionState
from questions.workhours import WorkingTime
from schwarm import access, activities
from schwarm.accounts.models import User, UserExpertise
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups.models import OWNER, Group, Membership
from schwarm.notifications.services import notify
from stream.comments import comment_url
from stream.models import QUESTION, Comment, Post, PostTag
from stream.posts import get_live_post, post_url

# --- rules ---------------------------------------------------------------------------------

def answered_clause(post=Post):
    """SQL: the question has a live answer by someone other than its asker."""
    answer = aliased(Comment)
    return exists().where(answer.post_id == post.id, answer.deleted_at.is_(None),
                          answer.author_id != post.author_id)


def can_accept(user: Any, post: Post) -> bool:
    """The asker, an owner of the question's group, or an admin accepts an answer."""
    if not access.is_signed_in(user) or not access.can_view(user, post):
        return False
    if post.kind != QUESTION or post.deleted_at is not None:
        return False
    if post.author_id == user.id or access.is_admin(user):
        return True
    return post.group is not None and access.can_administer_group(user, post.group)


def working_time() -> WorkingTime:
    """The configured working week."""
    return WorkingTime.from_config(current_app.config)


def escalation_hours() -> float:
    """Working hours a question may wait for its first answer."""
    return float(current_app.config["QUESTION_ESCALATION_HOURS"])


def answer_deadline(post: Post) -> datetime:
    """When an unanswered question becomes overdue (and is escalated)."""
    return working_time().add(post.created_at, escalation_hours())


def get_question(viewer: Any, post_id: Any) -> Post:
    """A live question ``viewer`` may see, else NotFound."""
    post = get_live_post(viewer, post_id)
    if post.kind != QUESTION:
        raise NotFound(_("No such question."), code="not_found")
    return post


# --- routing new questions -----------------------------------------------------------------

def on_post_created(post: Post) -> None:
    """The stream's POST_CREATED hook: a new question is recorded and sent to experts.

    Runs inside the transaction that creates the post, so the question, its
    state and the experts' notifications are written together or not at all.
    """
    if post.kind != QUESTION:
        return
    db.session.add(QuestionState(post_id=post.id))
    route_to_experts(post)


def route_to_experts(post: Post) -> list[int]:
    """Notify the experts of the question's tags who may see it; returns their ids.

    Experts of a private group's question who are not in the group are not
    told (``access.viewers_among``); the asker is never told of their own question.
    """
    tags = [row.tag for row in db.session.scalars(
        select(PostTag).where(PostTag.post_id == post.id))]
    if not tags:
        return []
    candidates = list(db.session.scalars(
        select(UserExpertise.user_id).join(User, User.id == UserExpertise.user_id)
        .where(UserExpertise.tag.in_(tags), User.active.is_(True))
        .order_by(UserExpertise.user_id).distinct()
    ))
    allowed = [uid for uid in access.viewers_among(candidates, post) if uid != post.author_id]
    allowed = allowed[: current_app.config["MAX_NOTIFICATIONS_PER_EVENT"]]
    if not allowed:
        return []
    asker = db.session.get(User, post.author_id)
    tag_text = " ".join(f"#{t}" for t in tags)
    notify(allowed, "question", actor_id=post.author_id, obj=post, object_type="post",
           object_id=post.id, url=post_url(post),
           text=f"{asker.name} asked in your field {tag_text}: “{post.title[:80]}”")
    now = utcnow()
    db.session.add_all(QuestionRouting(post_id=post.id, user_id=uid, reason=EXPERT,
                                       created_at=now) for uid in allowed)
    return allowed


# --- accepting -----------------------------------------------------------------------------

def accept_answer(actor: Any, post_id: Any, comment_id: Any) -> Post:
    """Mark ``comment_id`` the accepted answer of question ``post_id`` (None: unmark).

    The asker, an owner of the question's group or an admin may do it, and may
    change it later. The answer must be a live comment on this very question
    (else 404). Records an Activity, tells the answerer, and re-indexes the
    question (its search document carries the accepted answer).
    """
    if not access.is_signed_in(actor):
        raise Forbidden(_("Sign in to accept an answer."))
    post = get_question(actor, post_id)
    if not can_accept(actor, post):
        raise Forbidden(_("Only the asker, the group's owners or an admin can accept an "
                          "answer."), code="not_allowed")
    comment = None
    if comment_id is not None:
        if not isinstance(comment_id, int) or isinstance(comment_id, bool):
            raise Invalid(_("'comment_id' must be the id of an answer."), code="invalid_field")
        comment = db.session.get(Comment, comment_id)
        if comment is None or comment.post_id != post.id or comment.deleted_at is not None:
            raise NotFound(_("That is not an answer to this question."), code="not_found")
    previous = post.accepted_comment_id
    new = comment.id if comment is not None else None
    if previous == new:
        return post
    now = utcnow()
    with write_transaction():
        db.session.execute(update(Post).where(Post.id == post.id)
                           .values(accepted_comment_id=new)
                           .execution_options(synchronize_session=False))
        if comment is not None:
            state = db.session.get(QuestionState, post.id)
            if state is None:
                db.session.add(QuestionState(post_id=post.id, first_accepted_at=now))
            elif state.first_accepted_at is None:
                state.first_accepted_at = now
            activities.record(actor.id, "accepted_answer", "comment", comment.id,
                              group_id=post.group_id, text=post.title, url=comment_url(comment))
            notify([comment.author_id], "accepted", actor_id=actor.id, obj=post,
                   object_type="comment", object_id=comment.id, url=comment_url(comment),
                   text=f"{actor.name} accepted your answer to “{post.title[:80]}”")
        else:
            activities.record(actor.id, "unaccepted_answer", "post", post.id,
                              group_id=post.group_id, text=post.title, url=post_url(post))
        search.enqueue("question", post.id)
        for changed in (previous, new):
            if changed is not None:
                search.enqueue("comment", changed)
    db.session.expire(post)
    return post


def ordered_answers(post: Post) -> list[Comment]:
    """Live answers of a question: accepted first, then by votes, then oldest first."""
    rows = list(db.session.scalars(
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.post_id == post.id, Comment.deleted_at.is_(None))
    ))
    return sorted(rows, key=lambda c: (c.id != post.accepted_comment_id, -c.like_count,
                                       c.created_at, c.id))


# --- escalation ----------------------------------------------------------------------------

def escalation_recipients(post: Post) -> list[int]:
    """The owners of the question's group (but the asker); without a group or such
    owners, the fallback list (QUESTION_ESCALATION_FALLBACK)."""
    owners: list[int] = []
    if post.group_id is not None:
        owners = list(db.session.scalars(
            select(Membership.user_id).where(Membership.group_id == post.group_id,
                                             Membership.role == OWNER,
                                             Membership.user_id != post.author_id)
            .order_by(Membership.user_id)))
    if owners:
        return owners
    raw = current_app.config.get("QUESTION_ESCALATION_FALLBACK") or ""
    names = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    if not names:
        return []
    return list(db.session.scalars(
        select(User.id).where(User.username.in_([n.lower() for n in names]),
                              User.active.is_(True)).order_by(User.id)))


def due_for_escalation(now: datetime | None = None) -> list[int]:
    """Ids of open, unanswered, not yet escalated questions past their deadline."""
    now = now or utcnow()
    hours = escalation_hours()
    max_age = timedelta(days=int(current_app.config["QUESTION_ESCALATION_MAX_AGE_DAYS"]))
    rows = db.session.execute(
        select(Post.id, Post.created_at)
        .outerjoin(QuestionState, QuestionState.post_id == Post.id)
        .where(Post.kind == QUESTION, Post.deleted_at.is_(None),
               Post.accepted_comment_id.is_(None), ~answered_clause(),
               QuestionState.escalated_at.is_(None),
               Post.created_at <= now - timedelta(hours=hours),
               Post.created_at >= now - max_age)
        .order_by(Post.id)
    ).all()
    hours_rule = working_time()
    return [post_id for post_id, created in rows if hours_rule.add(created, hours) <= now]


def escalate_question(post_id: int, now: datetime | None = None) -> list[int] | None:
    """Escalate one question once: mark it and notify; None if it was already done."""
    now = now or utcnow()
    with write_transaction():
        post = db.session.get(Post, post_id)
        if (post is None or post.deleted_at is not None or post.accepted_comment_id is not None
                or db.session.scalar(select(answered_clause()).where(Post.id == post_id))):
            return None
        state = db.session.get(QuestionState, post_id)
        if state is None:
            db.session.add(QuestionState(post_id=post_id, escalated_at=now))
            db.session.flush()
        else:
            marked = db.session.execute(
                update(QuestionState)
                .where(QuestionState.post_id == post_id, QuestionState.escalated_at.is_(None))
                .values(escalated_at=now).execution_options(synchronize_session=False))
            if marked.rowcount != 1:
                return None
        recipients = [uid for uid in access.viewers_among(escalation_recipients(post), post)
                      if uid != post.author_id]
        notify(recipients, "question_escalated", actor_id=None, obj=post, object_type="post",
               object_id=post.id, url=post_url(post),
               text=f"Unanswered for {escalation_hours():g} working hours: “{post.title[:80]}”")
        db.session.add_all(QuestionRouting(post_id=post.id, user_id=uid, reason=ESCALATION,
                                           created_at=now) for uid in recipients)
        activities.record(None, "escalated_question", "post", post.id, group_id=post.group_id,
                          text=post.title, url=post_url(post))
    return recipients


def escalate_questions(now: datetime | None = None) -> dict[int, list[int]]:
    """Escalate every question that is due; {post id: notified user ids}. Idempotent."""
    done: dict[int, list[int]] = {}
    for post_id in due_for_escalation(now):
        try:
            notified = escalate_question(post_id, now)
        except IntegrityError:  # another run escalated it at the same moment
            continue
        if notified is not None:
            done[post_id] = notified
    return done


# --- for other features --------------------------------------------------------------------

def routed_open_questions(user: Any, viewer: Any = None) -> list[Post]:
    """Open (no accepted answer) live questions that were routed to ``user``.

    For the handover of a leaver's items. With ``viewer``, only the questions
    that viewer may see.
    """
    stmt = (
        select(Post).options(joinedload(Post.author), joinedload(Post.group))
        .where(Post.kind == QUESTION, Post.deleted_at.is_(None),
               Post.accepted_comment_id.is_(None),
               Post.id.in_(select(QuestionRouting.post_id)
                           .where(QuestionRouting.user_id == user.id)))
        .order_by(Post.id.desc())
    )
    if viewer is not None:
        stmt = stmt.where(access.visible_group_filter(viewer, Post.group_id))
    return list(db.session.scalars(stmt).unique())


def groups_owned(user: Any) -> list[Group]:
    """The groups ``user`` owns (for analytics scope)."""
    if not access.is_signed_in(user):
        return []
    return list(db.session.scalars(
        select(Group).join(Membership, and_(Membership.group_id == Group.id,
                                            Membership.user_id == user.id,
                                            Membership.role == OWNER))
        .order_by(Group.name)))
