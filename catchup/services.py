"""What mattered since a moment: the catch-up page and the e-mail digest.

:func:`catch_up` builds the sections in the order a returning reader needs
them: what was said *to* them (mentions and replies), answers to their
questions, new questions in their expertise, edits of the pages they watch,
and the most discussed posts of their groups. Every section is one count
query plus one bounded list query (no query per entry), and every query goes
through :mod:`schwarm.access`: a private group's content appears to its
members only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, func, not_, select
from sqlalchemy.orm import selectinload

from schwarm import access
from schwarm.accounts.models import User
from schwarm.db import utcnow
from schwarm.errors import Invalid
from schwarm.extensions import db
from schwarm.groups.models import Membership
from schwarm.notifications.models import Notification
from stream.models import QUESTION, Comment, Post, PostTag
from stream.posts import post_url
from wiki.models import Page, PageWatch, Revision
from wiki.services import diff_url, page_url

DEFAULT_DAYS = 7  # a first visit, or no visit recorded: the last week
MAX_DAYS = 366
SECTION_LIMIT = 10

LABELS = {
    "for_you": _l("Mentions and replies"),
    "answers": _l("Answers to your questions"),
    "questions": _l("New questions in your expertise"),
    "pages": _l("Edits of pages you watch"),
    "discussed": _l("Most discussed in your groups"),
}


@dataclass
class Entry:
    """One line of the catch-up: what, where, who, when, how many."""

    title: str
    url: str
    when: datetime
    actor: User | None = None
    count: int = 1
    text: str = ""
    extra_url: str = ""  # e.g. the diff of a page's edits


@dataclass
class Section:
    """A ranked, bounded list; ``total`` counts all of it, ``more`` what is not shown."""

    key: str
    entries: list[Entry] = field(default_factory=list)
    total: int = 0

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.entries))


@dataclass
class CatchUp:
    """Everything since ``since`` for one reader."""

    since: datetime
    sections: list[Section]

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)


def default_since(user: User) -> datetime:
    """Where the page starts: the previous visit, or a week ago."""
    floor = utcnow() - timedelta(days=DEFAULT_DAYS)
    return user.previous_visit_at or floor


def parse_since(raw: str | None, user: User) -> datetime | None:
    """``YYYY-MM-DD`` as midnight in the reader's time zone, in UTC; None if not given."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise Invalid(_("Please give the date as YYYY-MM-DD."), code="invalid_date") from None
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    moment = datetime.combine(day, time.min, tzinfo=zone).astimezone(utcnow().tzinfo)
    now = utcnow()
    if moment > now:
        raise Invalid(_("That date is in the future."), code="invalid_date")
    if now - moment > timedelta(days=MAX_DAYS):
        raise Invalid(_("Catch-up goes back at most a year."), code="invalid_date")
    return moment


def catch_up(user: User, since: datetime, limit: int = SECTION_LIMIT) -> CatchUp:
    """The catch-up of ``user`` since ``since`` (each section at most ``limit`` entries)."""
    return CatchUp(since=since, sections=[
        _for_you(user, since, limit),
        _answers(user, since, limit),
        _expert_questions(user, since, limit),
        _watched_pages(user, since, limit),
        _discussed(user, since, limit),
    ])


def _count(stmt: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _answers_on_own_questions(user: User, since: datetime) -> Any:
    """Comments by others since ``since`` on ``user``'s questions (a SELECT of ids)."""
    return (
        select(Comment.id)
        .join(Post, Post.id == Comment.post_id)
        .where(Post.author_id == user.id, Post.kind == QUESTION, Comment.author_id != user.id,
               Comment.created_at >= since, Comment.deleted_at.is_(None))
    )


def _for_you(user: User, since: datetime, limit: int) -> Section:
    """Mentions first, then replies; answers to their questions have their own section."""
    answers = _answers_on_own_questions(user, since).subquery()
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.created_at >= since,
               Notification.kind.in_(("mention", "comment", "reply")))
        .where(access.visible_group_filter(user, Notification.group_id))
        .where(not_(and_(Notification.kind == "comment", Notification.object_type == "comment",
                         Notification.object_id.in_(select(cast(answers.c.id, String))))))
    )
    rows = db.session.scalars(
        stmt.options(selectinload(Notification.actor))
        .order_by(case((Notification.kind == "mention", 0), else_=1), Notification.id.desc())
        .limit(limit)
    ).all()
    entries = [Entry(title=row.text, url=row.object_url, when=row.created_at, actor=row.actor,
                     count=row.actor_count, text=row.kind) for row in rows]
    return Section("for_you", entries, _count(stmt))


def _post_title(post: Post) -> str:
    from stream.text import excerpt

    return post.title or excerpt(post.body_html)[:120]


def _ranked_posts(key: str, user: User, comment_filter: list, limit: int) -> Section:
    """Posts ranked by how many matching comments they got (most first); the entry's
    actor is the post's author, unless that is the reader."""
    counted = (
        select(Comment.post_id, func.count(Comment.id).label("n"),
               func.max(Comment.created_at).label("last"))
        .join(Post, Post.id == Comment.post_id)
        .where(*comment_filter, Comment.deleted_at.is_(None), Post.deleted_at.is_(None))
        .where(access.visible_group_filter(user, Post.group_id))
        .group_by(Comment.post_id)
    )
    total = _count(counted)
    top = db.session.execute(
        counted.order_by(func.count(Comment.id).desc(), Comment.post_id.desc()).limit(limit)
    ).all()
    posts = {post.id: post for post in db.session.scalars(
        select(Post).where(Post.id.in_([row.post_id for row in top]))
        .options(selectinload(Post.author), selectinload(Post.group)))}
    entries = [Entry(title=_post_title(posts[row.post_id]), url=post_url(row.post_id),
                     when=row.last, count=row.n,
                     actor=None if posts[row.post_id].author_id == user.id
                     else posts[row.post_id].author)
               for row in top if row.post_id in posts]
    return Section(key, entries, total)


def _answers(user: User, since: datetime, limit: int) -> Section:
    return _ranked_posts("answers", user, [
        Post.author_id == user.id, Post.kind == QUESTION, Comment.author_id != user.id,
        Comment.created_at >= since], limit)


def _discussed(user: User, since: datetime, limit: int) -> Section:
    mine = select(Membership.group_id).where(Membership.user_id == user.id)
    return _ranked_posts("discussed", user, [
        Post.group_id.in_(mine), Comment.created_at >= since], limit)


def _expert_questions(user: User, since: datetime, limit: int) -> Section:
    """Questions tagged with the reader's expertise: unanswered first, then newest."""
    tags = user.expertise
    if not tags:
        return Section("questions")
    stmt = (
        select(Post)
        .where(Post.kind == QUESTION, Post.created_at >= since, Post.author_id != user.id,
               Post.deleted_at.is_(None),
               Post.id.in_(select(PostTag.post_id).where(PostTag.tag.in_(tags))))
        .where(access.visible_group_filter(user, Post.group_id))
    )
    posts = db.session.scalars(
        stmt.options(selectinload(Post.author))
        .order_by(Post.accepted_comment_id.is_not(None), Post.comment_count, Post.id.desc())
        .limit(limit)
    ).all()
    entries = [Entry(title=_post_title(post), url=post_url(post.id), when=post.created_at,
                     actor=post.author, count=post.comment_count) for post in posts]
    return Section("questions", entries, _count(stmt))


def _watched_pages(user: User, since: datetime, limit: int) -> Section:
    """Watched pages edited by others, most edited first, with a diff over all the edits."""
    edits = (
        select(Revision.page_id, func.count(Revision.id).label("n"),
               func.min(Revision.number).label("first"), func.max(Revision.number).label("last"),
               func.max(Revision.created_at).label("when"))
        .join(Page, Page.id == Revision.page_id)
        .join(PageWatch, and_(PageWatch.page_id == Page.id, PageWatch.user_id == user.id))
        .where(Revision.created_at >= since, Page.deleted_at.is_(None),
               func.coalesce(Revision.author_id, 0) != user.id)
        .where(access.visible_group_filter(user, Page.group_id))
        .group_by(Revision.page_id)
    )
    total = _count(edits)
    top = db.session.execute(
        edits.order_by(func.count(Revision.id).desc(), Revision.page_id.desc()).limit(limit)
    ).all()
    pages = {page.id: page for page in db.session.scalars(
        select(Page).where(Page.id.in_([row.page_id for row in top]))
        .options(selectinload(Page.updated_by)))}
    entries = []
    for row in top:
        page = pages.get(row.page_id)
        if page is None:
            continue
        diff = diff_url(page.path, row.first - 1, row.last) if row.first > 1 else ""
        entries.append(Entry(title=page.title or page.path, url=page_url(page.path),
                             when=row.when, actor=page.updated_by, count=row.n,
                             extra_url=diff))
    return Section("pages", entries, total)
