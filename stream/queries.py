"""Stream queries: newest first, keyset pagination by post id, visibility in SQL.

Every scope is one statement of the shape ``... WHERE <scope> AND id < :cursor
ORDER BY id DESC LIMIT n`` on an index that holds the scope's posts in id
order, so page 1,000 costs what page 1 costs. The home stream is a UNION of
one such subquery per source (followed people and me, my and followed groups,
followed tags, my mentions), each limited to n, then the newest n of them.

A page then loads authors and groups (joined), tags and mentions (one query
each) and the viewer's likes (one query): a constant number of statements
whatever the number of posts, comments and likes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, select, union
from sqlalchemy.orm import joinedload, selectinload

from schwarm import access, markup
from schwarm.accounts.models import User
from schwarm.accounts.services import get_user
from schwarm.errors import Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups.models import Group
from schwarm.groups.services import get_visible_group
from stream.follows import followed_keys
from stream.models import FOLLOW_GROUP, FOLLOW_TAG, FOLLOW_USER, Post, PostMention, PostTag
from stream.text import clean_tags

HOME, ALL, GROUP, TAG, USER = "home", "all", "group", "tag", "user"
NEW_COUNT_CAP = 100  # the poll says "100+ new posts" at most; counting more is waste


@dataclass(frozen=True)
class Scope:
    """Which stream: home, all, or one group / tag / user."""

    kind: str
    group: Group | None = None
    tag: str | None = None
    user: User | None = None

    @property
    def key(self) -> str:
        """The scope as written in ``?scope=``."""
        if self.kind == GROUP:
            return f"group:{self.group.slug}"
        if self.kind == TAG:
            return f"tag:{self.tag}"
        if self.kind == USER:
            return f"user:{self.user.username}"
        return self.kind


@dataclass
class StreamPage:
    """One page of posts, with what the page needs to show them."""

    posts: list[Post]
    next_before: int | None
    liked: set[int] = field(default_factory=set)


def normalize_tag_name(raw: str) -> str:
    """A tag from a URL, normalised (``Qualität`` = ``qualität``), or NotFound."""
    try:
        tags = clean_tags([raw])
    except Invalid:
        raise NotFound(_("No such tag.")) from None
    if len(tags) != 1:
        raise NotFound(_("No such tag."))
    return tags[0]


def parse_scope(viewer: Any, raw: str | None) -> Scope:
    """``home``, ``all``, ``group:<slug>``, ``tag:<tag>`` or ``user:<username>``."""
    raw = (raw or HOME).strip()
    kind, _sep, name = raw.partition(":")
    if kind in (HOME, ALL) and not name:
        if kind == HOME and not access.is_signed_in(viewer):
            return Scope(ALL)
        return Scope(kind)
    if kind == GROUP and name:
        return Scope(GROUP, group=get_visible_group(viewer, name))
    if kind == TAG and name:
        return Scope(TAG, tag=normalize_tag_name(name))
    if kind == USER and name:
        user = get_user(name)
        if user is None or not access.can_view_user(viewer, user):
            raise NotFound(_("No such user."))
        return Scope(USER, user=user)
    raise Invalid(_("scope is home, all, group:<slug>, tag:<tag> or user:<username>."),
                  code="invalid_scope")


def _live_condition(viewer: Any) -> ColumnElement[bool]:
    return and_(Post.deleted_at.is_(None), access.unhidden_group_filter(viewer, Post.group_id))


def _live(viewer: Any, stmt: Select, condition: ColumnElement[bool] | None = None) -> Select:
    return stmt.where(_live_condition(viewer) if condition is None else condition)


def _window(stmt: Select, column: Any, before: int | None, after: int | None) -> Select:
    """Keyset bounds on ``column`` and, for joins, on ``post.id`` too: the same
    condition, but stated for both sides so a merge join starts at the cursor."""
    columns = [column] if column is Post.id else [column, Post.id]
    for each in columns:
        if before is not None:
            stmt = stmt.where(each < before)
        if after is not None:
            stmt = stmt.where(each > after)
    return stmt


# Up to this many values, each is its own index walk in the home stream's UNION;
# beyond, one walk of the post ids tests each row against the list.
SPLIT_AUTHORS_UP_TO = 50
SPLIT_GROUPS_UP_TO = 10


def _one_per_value(column: Any, values: set[Any], split_up_to: int) -> list[Any]:
    """``column = v`` for each value, or for a long list one condition for a walk.

    ``column IN (a, b) ORDER BY id DESC LIMIT n`` makes SQLite collect and sort
    every match (485 ms for 107 groups at a million posts); ``column = a``
    walks the ``(column, id)`` index backwards and stops after n rows. So each
    value becomes its own small source, and the UNION of the home stream
    merges them. Each source costs some 0.25 ms to build in Python, so a long
    list (a member of 107 groups) instead walks the post ids newest first and
    tests each row against the list (``column + 0`` keeps the database from
    choosing the ``(column, id)`` index and its sort): it stops after n
    matches, which are dense when the list is long (0.06 ms for those 107
    groups). Its worst case, a long list of values that have almost no posts,
    walks far back.
    """
    if not values:
        return []
    if len(values) > split_up_to:
        listed = sorted(values)
        return [(column + 0).in_(listed) if column.type.python_type is int
                else column.in_(listed)]
    return [column == value for value in sorted(values)]


def _home_sources(viewer: Any, before: int | None, after: int | None,
                  limit: int) -> list[Select]:
    """One id subquery per source of the home stream, each newest-first and limited.

    What the viewer follows and belongs to is read first (one small query
    each), so sources that are empty are left out: a database cannot know
    that an IN (subquery) is empty and may walk the whole id index for it.
    """
    followed = followed_keys(viewer)
    authors = {viewer.id, *(int(k) for k in followed.get(FOLLOW_USER, []) if k.isdigit())}
    groups = access.member_group_ids(viewer) | {
        int(k) for k in followed.get(FOLLOW_GROUP, []) if k.isdigit()}
    tags = followed.get(FOLLOW_TAG, [])

    # built once: the home stream has a source per followed person, group and tag
    live = _live_condition(viewer)

    def newest(stmt: Select, column: Any) -> Select:
        return _window(_live(viewer, stmt, live), column, before, after).order_by(
            column.desc()).limit(limit)

    sources = [*(newest(select(Post.id).where(condition), Post.id)
                 for condition in _one_per_value(Post.author_id, authors,
                                                  SPLIT_AUTHORS_UP_TO)),
               newest(select(PostMention.post_id).join(Post, Post.id == PostMention.post_id)
                      .where(PostMention.user_id == viewer.id), PostMention.post_id)]
    sources.extend(newest(select(Post.id).where(condition), Post.id)
                   for condition in _one_per_value(Post.group_id, groups, SPLIT_GROUPS_UP_TO))
    # A post with two followed tags comes from two sources; the UNION keeps it once.
    sources.extend(newest(select(PostTag.post_id).distinct()
                          .join(Post, Post.id == PostTag.post_id).where(condition),
                          PostTag.post_id)
                   for condition in _one_per_value(PostTag.tag, set(tags), SPLIT_AUTHORS_UP_TO))
    return sources


def _ids(viewer: Any, scope: Scope, *, before: int | None, after: int | None,
         limit: int) -> Select:
    """A statement selecting the post ids of ``scope`` (newest first, at most ``limit``)."""
    if scope.kind == HOME:
        parts = [select(sub.c[0]) for sub in
                 (s.subquery() for s in _home_sources(viewer, before, after, limit))]
        merged = union(*parts).subquery()
        return select(merged.c[0].label("id")).order_by(merged.c[0].desc()).limit(limit)
    if scope.kind == TAG:
        stmt = (select(PostTag.post_id.label("id")).join(Post, Post.id == PostTag.post_id)
                .where(PostTag.tag == scope.tag))
        return (_window(_live(viewer, stmt), PostTag.post_id, before, after)
                .order_by(PostTag.post_id.desc()).limit(limit))
    stmt = select(Post.id.label("id"))
    if scope.kind == GROUP:
        stmt = stmt.where(Post.group_id == scope.group.id)
    elif scope.kind == USER:
        stmt = stmt.where(Post.author_id == scope.user.id)
    return (_window(_live(viewer, stmt), Post.id, before, after)
            .order_by(Post.id.desc()).limit(limit))


def with_details(stmt: Select) -> Select:
    """Load what a post card shows, in a constant number of statements."""
    return stmt.options(
        joinedload(Post.author), joinedload(Post.group),
        selectinload(Post.tag_rows),
        selectinload(Post.mention_rows).joinedload(PostMention.user),
    )


def stream_page(viewer: Any, scope: Scope, *, before: int | None = None,
                limit: int = 20) -> StreamPage:
    """Up to ``limit`` posts of ``scope`` older than ``before``, newest first."""
    from stream.likes import liked_post_ids

    if scope.kind == HOME and not access.is_signed_in(viewer):
        scope = Scope(ALL)
    ids = _ids(viewer, scope, before=before, after=None, limit=limit + 1).subquery()
    posts = list(db.session.scalars(
        with_details(select(Post).where(Post.id.in_(select(ids.c.id))))
        .order_by(Post.id.desc())
    ).unique())
    more = len(posts) > limit
    posts = posts[:limit]
    return StreamPage(posts=posts, next_before=posts[-1].id if more else None,
                      liked=liked_post_ids(viewer, [p.id for p in posts]))


def count_new(viewer: Any, scope: Scope, since: int) -> int:
    """How many posts of ``scope`` are newer than post id ``since`` (at most 100)."""
    if scope.kind == HOME and not access.is_signed_in(viewer):
        scope = Scope(ALL)
    ids = _ids(viewer, scope, before=None, after=since, limit=NEW_COUNT_CAP).subquery()
    return db.session.scalar(select(func.count()).select_from(ids)) or 0


def pinned_posts(viewer: Any, group: Group) -> list[Post]:
    """Pinned announcements of a group the viewer may see, newest pin first."""
    if not access.can_view_group(viewer, group):
        return []
    return list(db.session.scalars(
        with_details(select(Post)).where(Post.group_id == group.id,
                                         Post.pinned_at.is_not(None),
                                         Post.deleted_at.is_(None))
        .order_by(Post.pinned_at.desc()).limit(20)
    ).unique())


TAG_COUNT_CAP = 1000  # a tag page says "more than 1,000 posts" beyond this


def tag_post_count(viewer: Any, tag: str, cap: int = TAG_COUNT_CAP) -> int:
    """How many posts the viewer may see carry ``tag``, counted up to ``cap`` + 1
    (so a larger answer means "more than ``cap``"): an exact count walks every
    post of the tag, 54 ms for the most used tag at a million posts."""
    tag = markup.normalize_tag(tag)
    stmt = (select(PostTag.post_id).join(Post, Post.id == PostTag.post_id)
            .where(PostTag.tag == tag))
    found = _live(viewer, stmt).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(found)) or 0
