"""Follows: a user follows people, groups and tags; the home stream is built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from schwarm import access, activities
from schwarm.accounts.models import User
from schwarm.accounts.services import get_user
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups.models import Group
from schwarm.groups.services import get_visible_group
from stream.models import FOLLOW_GROUP, FOLLOW_KINDS, FOLLOW_TAG, FOLLOW_USER, Follow
from stream.text import clean_tags


@dataclass(frozen=True)
class Target:
    """What is followed: kind, stored key, shown name and its page."""

    kind: str
    key: str
    name: str
    url: str
    group_id: int | None = None


def resolve(viewer: Any, kind: str, name: str) -> Target:
    """The followable thing ``kind``/``name``; NotFound for unknown or hidden ones."""
    if kind not in FOLLOW_KINDS:
        raise NotFound(_("One can follow a user, a group or a tag."))
    if kind == FOLLOW_USER:
        user = get_user(name)
        if user is None or not access.can_view_user(viewer, user):
            raise NotFound(_("No such user."))
        return Target(kind, str(user.id), user.name, f"/u/{user.username}")
    if kind == FOLLOW_GROUP:
        group = get_visible_group(viewer, name)
        return Target(kind, str(group.id), group.name, f"/groups/{group.slug}", group.id)
    tags = clean_tags([name])
    if len(tags) != 1:
        raise Invalid(_("That is not a tag."), code="invalid_tag")
    return Target(kind, tags[0], "#" + tags[0], f"/tags/{quote(tags[0], safe='')}")


def follow(user: User, kind: str, name: str) -> Target:
    """Follow (idempotent)."""
    if not access.is_signed_in(user):
        raise Forbidden(_("Sign in to follow."))
    target = resolve(user, kind, name)
    if kind == FOLLOW_USER and target.key == str(user.id):
        raise Invalid(_("Your own posts are in your home stream anyway."), code="self_follow")
    if is_following(user, kind, target.key):
        return target
    try:
        with write_transaction():
            db.session.add(Follow(user_id=user.id, target_type=kind, target_key=target.key,
                                  created_at=utcnow()))
            db.session.flush()
            activities.record(user.id, "followed", kind, target.key, group_id=target.group_id,
                              text=target.name, url=target.url)
    except IntegrityError:  # followed twice at once: the unique constraint kept one
        pass
    return target


def unfollow(user: User, kind: str, name: str) -> Target:
    """Stop following (idempotent)."""
    if not access.is_signed_in(user):
        raise Forbidden(_("Sign in to follow."))
    target = resolve(user, kind, name)
    with write_transaction():
        gone = db.session.execute(delete(Follow).where(
            Follow.user_id == user.id, Follow.target_type == kind,
            Follow.target_key == target.key)).rowcount
        if gone:
            activities.record(user.id, "unfollowed", kind, target.key,
                              group_id=target.group_id, text=target.name, url=target.url)
    return target


def is_following(user: Any, kind: str, key: str) -> bool:
    """Does ``user`` follow ``kind``/``key`` (a stored key: id as text, or the tag)?"""
    if not access.is_signed_in(user):
        return False
    return db.session.scalar(select(Follow.id).where(
        Follow.user_id == user.id, Follow.target_type == kind, Follow.target_key == key
    )) is not None


def followed_keys(user: Any) -> dict[str, list[str]]:
    """What ``user`` follows, by kind: stored keys (ids as text, or tags). One query."""
    keys: dict[str, list[str]] = {}
    if not access.is_signed_in(user):
        return keys
    for kind, key in db.session.execute(select(Follow.target_type, Follow.target_key)
                                        .where(Follow.user_id == user.id)):
        keys.setdefault(kind, []).append(key)
    return keys


def following(user: Any) -> list[Target]:
    """Everything ``user`` follows that they may still see, by kind and name."""
    by_kind = followed_keys(user)
    out: list[Target] = []
    user_ids = [int(k) for k in by_kind.get(FOLLOW_USER, []) if k.isdigit()]
    for person in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        out.append(Target(FOLLOW_USER, str(person.id), person.name, f"/u/{person.username}"))
    group_ids = [int(k) for k in by_kind.get(FOLLOW_GROUP, []) if k.isdigit()]
    for group in db.session.scalars(select(Group).where(Group.id.in_(group_ids),
                                                        access.visible_groups(user))):
        out.append(Target(FOLLOW_GROUP, str(group.id), group.name, f"/groups/{group.slug}",
                          group.id))
    for tag in by_kind.get(FOLLOW_TAG, []):
        out.append(Target(FOLLOW_TAG, tag, "#" + tag, f"/tags/{quote(tag, safe='')}"))
    return sorted(out, key=lambda t: (FOLLOW_KINDS.index(t.kind), t.name.casefold()))
