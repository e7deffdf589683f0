"""Q&A analytics: how many questions, how many answered, how fast — overall, per
tag, per group, per week — and who answers.

Admins see every question; group owners see the questions of the groups they
own, nobody else sees analytics. Times are wall-clock hours from asking to the
first answer (by someone other than the asker) and to the first acceptance;
the median and the 90th percentile use the nearest-rank method.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from questions.models import QuestionState
from questions.services import groups_owned
from schwarm import access
from schwarm.accounts.models import User
from schwarm.accounts.services import iso
from schwarm.db import utcnow
from schwarm.errors import Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups.models import Group
from stream.models import QUESTION, Comment, Post, PostTag

DEFAULT_WEEKS = 12
MAX_WEEKS = 520
TOP_ANSWERERS = 10


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Scope:
    """Which questions the viewer's analytics cover."""

    group_ids: list[int] | None  # None: every question (admins)
    groups: list[Group] = field(default_factory=list)
    since: datetime | None = None
    weeks: int = DEFAULT_WEEKS


def can_see_analytics(user: Any) -> bool:
    """Admins and group owners."""
    return access.is_admin(user) or bool(groups_owned(user))


def scope_for(viewer: Any, *, group_slug: str | None = None, weeks: Any = None) -> Scope:
    """The viewer's scope, narrowed to one group and a number of weeks back."""
    if not access.is_signed_in(viewer):
        raise Forbidden(_("Sign in to see analytics."))
    owned = groups_owned(viewer)
    if not access.is_admin(viewer) and not owned:
        raise Forbidden(_("Analytics are for admins and group owners."), code="not_allowed")
    count = DEFAULT_WEEKS
    if weeks not in (None, ""):
        if not str(weeks).isdigit() or not 1 <= int(weeks) <= MAX_WEEKS:
            raise Invalid(_("'weeks' must be a number from 1 to %(max)s.", max=MAX_WEEKS),
                          code="invalid_weeks")
        count = int(weeks)
    scope = Scope(group_ids=None if access.is_admin(viewer) else [g.id for g in owned],
                  groups=owned, weeks=count, since=utcnow() - timedelta(weeks=count))
    if group_slug:
        group = db.session.scalar(select(Group).where(Group.slug == group_slug))
        if group is None or not access.can_view_group(viewer, group) or (
                scope.group_ids is not None and group.id not in scope.group_ids):
            raise NotFound(_("No such group."), code="not_found")
        scope.group_ids = [group.id]
    return scope


@dataclass
class QuestionTiming:
    """One question's figures."""

    id: int
    title: str
    created_at: datetime
    group_id: int | None
    first_answer_at: datetime | None
    accepted_at: datetime | None
    tags: list[str] = field(default_factory=list)

    @property
    def hours_to_answer(self) -> float | None:
        if self.first_answer_at is None:
            return None
        return (self.first_answer_at - self.created_at).total_seconds() / 3600

    @property
    def hours_to_accept(self) -> float | None:
        if self.accepted_at is None:
            return None
        return (self.accepted_at - self.created_at).total_seconds() / 3600


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def figures(items: list[QuestionTiming]) -> dict:
    """asked, answered, answered_pct, accepted, accepted_pct, and the median and p90
    hours to the first answer and to the accepted answer."""
    to_answer = [q.hours_to_answer for q in items if q.hours_to_answer is not None]
    to_accept = [q.hours_to_accept for q in items if q.hours_to_accept is not None]
    asked = len(items)
    return {
        "asked": asked,
        "answered": len(to_answer),
        "answered_pct": round(100 * len(to_answer) / asked, 1) if asked else None,
        "accepted": len(to_accept),
        "accepted_pct": round(100 * len(to_accept) / asked, 1) if asked else None,
        "median_hours_to_answer": _round(percentile(to_answer, 0.5)),
        "p90_hours_to_answer": _round(percentile(to_answer, 0.9)),
        "median_hours_to_accept": _round(percentile(to_accept, 0.5)),
        "p90_hours_to_accept": _round(percentile(to_accept, 0.9)),
    }


def _scoped(stmt, scope: Scope):
    stmt = stmt.where(Post.kind == QUESTION, Post.deleted_at.is_(None))
    if scope.since is not None:
        stmt = stmt.where(Post.created_at >= scope.since)
    if scope.group_ids is not None:
        stmt = stmt.where(Post.group_id.in_(scope.group_ids))
    return stmt


def timings(scope: Scope) -> list[QuestionTiming]:
    """Every question in scope with its answer and acceptance times (three queries)."""
    first = (select(Comment.post_id.label("post_id"),
                    func.min(Comment.created_at).label("first_at"))
             .join(Post, Post.id == Comment.post_id)
             .where(Comment.deleted_at.is_(None), Comment.author_id != Post.author_id)
             .group_by(Comment.post_id).subquery())
    rows = db.session.execute(_scoped(
        select(Post.id, Post.title, Post.created_at, Post.group_id, Post.accepted_comment_id,
               first.c.first_at, QuestionState.first_accepted_at)
        .outerjoin(first, first.c.post_id == Post.id)
        .outerjoin(QuestionState, QuestionState.post_id == Post.id), scope)
        .order_by(Post.id)).all()
    items = {
        row.id: QuestionTiming(
            id=row.id, title=row.title, created_at=row.created_at, group_id=row.group_id,
            first_answer_at=row.first_at,
            accepted_at=row.first_accepted_at if row.accepted_comment_id is not None else None)
        for row in rows
    }
    if items:
        tag_rows = db.session.execute(_scoped(
            select(PostTag.post_id, PostTag.tag).join(Post, Post.id == PostTag.post_id), scope)
            .order_by(PostTag.post_id, PostTag.tag))
        for post_id, tag in tag_rows:
            if post_id in items:
                items[post_id].tags.append(tag)
    return list(items.values())


def _week(moment: datetime) -> str:
    day = moment.date()
    return (day - timedelta(days=day.weekday())).isoformat()


def top_answerers(scope: Scope, limit: int = TOP_ANSWERERS) -> list[dict]:
    """Who answered most questions in scope (answers, accepted answers)."""
    answers = func.count(Comment.id)
    accepted = func.sum(case((Comment.id == Post.accepted_comment_id, 1), else_=0))
    rows = db.session.execute(_scoped(
        select(User, answers.label("answers"), accepted.label("accepted"))
        .select_from(Comment).join(Post, Post.id == Comment.post_id)
        .join(User, User.id == Comment.author_id)
        .where(Comment.deleted_at.is_(None), Comment.author_id != Post.author_id), scope)
        .group_by(User.id).order_by(answers.desc(), User.id).limit(limit)).all()
    return [{"username": user.username, "display_name": user.name, "answers": int(n),
             "accepted": int(a or 0)} for user, n, a in rows]


def report(scope: Scope) -> dict:
    """Everything the analytics page, the JSON endpoint and the charts show."""
    items = timings(scope)
    by_tag: dict[str, list[QuestionTiming]] = defaultdict(list)
    by_group: dict[int | None, list[QuestionTiming]] = defaultdict(list)
    by_week: dict[str, list[QuestionTiming]] = defaultdict(list)
    for item in items:
        for tag in item.tags:
            by_tag[tag].append(item)
        by_group[item.group_id].append(item)
        by_week[_week(item.created_at)].append(item)
    group_ids = [gid for gid in by_group if gid is not None]
    groups = {g.id: g for g in db.session.scalars(
        select(Group).where(Group.id.in_(group_ids)))} if group_ids else {}
    return {
        "since": iso(scope.since),
        "weeks": scope.weeks,
        "overall": figures(items),
        "by_tag": sorted(({"tag": tag, **figures(qs)} for tag, qs in by_tag.items()),
                         key=lambda row: (-row["asked"], row["tag"])),
        "by_group": sorted(
            ({"group": groups[gid].slug if gid else None,
              "name": groups[gid].name if gid else None, **figures(qs)}
             for gid, qs in by_group.items()),
            key=lambda row: (-row["asked"], row["name"] or "")),
        "by_week": [{"week": week, **figures(by_week[week])} for week in sorted(by_week)],
        "top_answerers": top_answerers(scope),
        "questions": [{"id": q.id, "title": q.title, "asked_at": iso(q.created_at),
                       "group": groups[q.group_id].slug if q.group_id else None,
                       "tags": q.tags, "hours_to_answer": _round(q.hours_to_answer),
                       "hours_to_accept": _round(q.hours_to_accept)} for q in items],
    }


def _cell(value: Any) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(data: dict) -> str:
    """One line per question: id, title, group, tags, asked_at, hours to answer/accept."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "group", "tags", "asked_at", "hours_to_first_answer",
                     "hours_to_accepted_answer"])
    for q in data["questions"]:
        writer.writerow([q["id"], _cell(q["title"]), _cell(q["group"]),
                         _cell(" ".join(q["tags"])), q["asked_at"], _cell(q["hours_to_answer"]),
                         _cell(q["hours_to_accept"])])
    return out.getvalue()
