"""Reading questions: the filtered list with counts, experts of a tag, a person's record.

Lists are newest first with a keyset cursor (the last post id shown) and a
constant number of statements per page: the posts with authors and groups
(joined), tags and mentions (one query each), and the counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import joinedload, selectinload

from questions.services import answered_clause
from schwarm import access
from schwarm.accounts.models import User, UserExpertise
from schwarm.errors import Invalid
from schwarm.extensions import db
from schwarm.markup import normalize_tag
from stream.models import QUESTION, Comment, Post, PostMention, PostTag

UNANSWERED, ANSWERED, OPEN = "unanswered", "answered", "open"
STATUSES = (UNANSWERED, ANSWERED, OPEN)


@dataclass(frozen=True)
class QuestionFilter:
    """``?status=unanswered|answered|open&tag=&mine=1&expertise=1``.

    *unanswered*: nobody but the asker has answered; *answered*: an answer is
    accepted; *open*: no answer accepted yet.
    """

    status: str | None = None
    tag: str | None = None
    mine: bool = False
    expertise: bool = False

    @classmethod
    def from_args(cls, args: Any) -> QuestionFilter:
        status = (args.get("status") or "").strip() or None
        if status is not None and status not in STATUSES:
            raise Invalid(_("The status is 'unanswered', 'answered' or 'open'."),
                          code="invalid_status")
        raw_tag = (args.get("tag") or "").strip().lstrip("#")
        tag = normalize_tag(raw_tag) if raw_tag else None
        if raw_tag and (not tag or len(tag) > 128):
            raise Invalid(_("That is not a valid tag."), code="invalid_tag")
        return cls(status=status, tag=tag, mine=args.get("mine") in ("1", "true", "yes"),
                   expertise=args.get("expertise") in ("1", "true", "yes"))

    def args(self, **changes: Any) -> dict:
        """The query arguments of this filter (with ``changes``), for links."""
        values = {"status": self.status, "tag": self.tag, "mine": "1" if self.mine else None,
                  "expertise": "1" if self.expertise else None}
        values.update(changes)
        return {k: v for k, v in values.items() if v}


@dataclass
class QuestionPage:
    """One page of questions plus what the tabs show."""

    posts: list[Post] = field(default_factory=list)
    answered: set[int] = field(default_factory=set)  # ids with an answer by someone else
    next_before: int | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _status_clause(status: str | None):
    if status == UNANSWERED:
        return ~answered_clause() & Post.accepted_comment_id.is_(None)
    if status == ANSWERED:
        return Post.accepted_comment_id.is_not(None)
    if status == OPEN:
        return Post.accepted_comment_id.is_(None)
    return None


def _scoped(viewer: Any, stmt: Select, flt: QuestionFilter) -> Select:
    stmt = stmt.where(Post.kind == QUESTION, Post.deleted_at.is_(None),
                      access.unhidden_group_filter(viewer, Post.group_id))
    if flt.tag:
        stmt = stmt.where(Post.id.in_(select(PostTag.post_id).where(PostTag.tag == flt.tag)))
    if flt.mine:
        stmt = stmt.where(Post.author_id == viewer.id)
    if flt.expertise:
        mine = select(UserExpertise.tag).where(UserExpertise.user_id == viewer.id)
        stmt = stmt.where(Post.id.in_(select(PostTag.post_id).where(PostTag.tag.in_(mine))))
    return stmt


def counts(viewer: Any, flt: QuestionFilter) -> dict[str, int]:
    """How many questions each status tab holds (under the other filters)."""
    out = {}
    for status in (None, *STATUSES):
        stmt = _scoped(viewer, select(func.count(Post.id)), flt)
        clause = _status_clause(status)
        if clause is not None:
            stmt = stmt.where(clause)
        out[status or "all"] = db.session.scalar(stmt) or 0
    return out


def list_questions(viewer: Any, flt: QuestionFilter, *, before: int | None = None,
                   limit: int = 20, with_counts: bool = True) -> QuestionPage:
    """Questions ``viewer`` may see, newest first, ``limit`` after cursor ``before``."""
    answered = answered_clause().label("answered")
    stmt = _scoped(viewer, select(Post, answered), flt).options(
        joinedload(Post.author), joinedload(Post.group), selectinload(Post.tag_rows),
        selectinload(Post.mention_rows).joinedload(PostMention.user),
    ).order_by(Post.id.desc()).limit(limit + 1)
    clause = _status_clause(flt.status)
    if clause is not None:
        stmt = stmt.where(clause)
    if before is not None:
        stmt = stmt.where(Post.id < before)
    rows = db.session.execute(stmt).unique().all()
    page = QuestionPage(posts=[post for post, _a in rows[:limit]],
                        answered={post.id for post, flag in rows[:limit] if flag})
    if len(rows) > limit:
        page.next_before = page.posts[-1].id
    if with_counts:
        page.counts = counts(viewer, flt)
    return page


# --- experts -------------------------------------------------------------------------------

@dataclass
class Expert:
    """Someone with expertise in a tag, and their recent answers on it."""

    user: User
    answers: list[Comment] = field(default_factory=list)


def experts_for(viewer: Any, post: Post, *, max_tags: int = 3, per_tag: int = 5,
                answers_each: int = 2) -> list[tuple[str, list[Expert]]]:
    """"Experts for #tag" on a question page: who declared the tag and may see the
    question, with their latest answers (that ``viewer`` may see) on the tag."""
    tags = post.tags[:max_tags]
    if not tags:
        return []
    rows = db.session.execute(
        select(UserExpertise.tag, User).join(User, User.id == UserExpertise.user_id)
        .where(UserExpertise.tag.in_(tags), User.active.is_(True))
        .order_by(UserExpertise.tag, User.display_name, User.id)
    ).all()
    allowed = set(access.viewers_among([user.id for _t, user in rows], post))
    by_tag: dict[str, list[Expert]] = defaultdict(list)
    for tag, user in rows:
        if user.id in allowed and len(by_tag[tag]) < per_tag:
            by_tag[tag].append(Expert(user))
    ids = {e.user.id for experts in by_tag.values() for e in experts}
    if ids:
        recent = db.session.execute(
            select(Comment, PostTag.tag).join(Post, Post.id == Comment.post_id)
            .join(PostTag, PostTag.post_id == Post.id)
            .options(joinedload(Comment.post))
            .where(Comment.author_id.in_(ids), Comment.deleted_at.is_(None),
                   PostTag.tag.in_(tags), Post.kind == QUESTION, Post.deleted_at.is_(None),
                   Post.id != post.id, Comment.author_id != Post.author_id,
                   access.visible_group_filter(viewer, Post.group_id))
            .order_by(Comment.id.desc()).limit(200)
        ).all()
        for comment, tag in recent:
            for expert in by_tag.get(tag, []):
                if expert.user.id == comment.author_id and len(expert.answers) < answers_each:
                    expert.answers.append(comment)
    return [(tag, by_tag[tag]) for tag in tags if by_tag.get(tag)]


# --- a person's record ---------------------------------------------------------------------

@dataclass
class Record:
    """What a profile shows of someone's answers: counts and topics, no points."""

    answers: int = 0
    accepted: int = 0
    questions: int = 0
    topics: list[tuple[str, int]] = field(default_factory=list)


def record_of(viewer: Any, user: User, *, max_topics: int = 10) -> Record:
    """Answers given and accepted, questions asked and the tags answered, among what
    ``viewer`` may see."""
    visible = access.visible_group_filter(viewer, Post.group_id)
    answers = (select(Comment.id).join(Post, Post.id == Comment.post_id)
               .where(Comment.author_id == user.id, Comment.deleted_at.is_(None),
                      Post.kind == QUESTION, Post.deleted_at.is_(None),
                      Post.author_id != user.id, visible))
    record = Record()
    record.answers = db.session.scalar(
        select(func.count()).select_from(answers.subquery())) or 0
    record.accepted = db.session.scalar(
        select(func.count(Post.id)).where(Post.accepted_comment_id.in_(answers))) or 0
    record.questions = db.session.scalar(
        select(func.count(Post.id)).where(Post.kind == QUESTION, Post.deleted_at.is_(None),
                                          Post.author_id == user.id, visible)) or 0
    count = func.count(distinct(Post.id))
    record.topics = [(tag, n) for tag, n in db.session.execute(
        select(PostTag.tag, count).join(Post, Post.id == PostTag.post_id)
        .join(Comment, Comment.post_id == Post.id)
        .where(Comment.author_id == user.id, Comment.deleted_at.is_(None),
               Post.kind == QUESTION, Post.deleted_at.is_(None), Post.author_id != user.id,
               visible)
        .group_by(PostTag.tag).order_by(count.desc(), PostTag.tag).limit(max_topics))]
    return record
