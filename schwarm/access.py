"""Who may see, edit and administer what — decided here and nowhere else.

Every list, page, feed, API response, notification, count and search query
asks this module. The rules:

* Content belongs either to no group (company-wide, visible to everyone who
  may see anything) or to one group.
* A public group's content is visible to every viewer; a private group's only
  to its members, its owners and admins. Admins administer everything.
* Anonymous visitors see public content only (the HTML pages additionally
  require signing in; public Atom feeds do not). Deactivated users see
  nothing and can do nothing.
* Being @mentioned grants nothing. Leaving a group hides its content at once,
  because the filters are evaluated per query, never cached across requests.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import ColumnElement, false, or_, select, true

from schwarm.extensions import db
from schwarm.groups.models import OWNER, PRIVATE, PUBLIC, Group, Membership


def is_signed_in(user: Any) -> bool:
    """A real, active account (not anonymous, not deactivated)."""
    return user is not None and getattr(user, "is_authenticated", False) and bool(
        getattr(user, "active", False)
    )


def is_deactivated(user: Any) -> bool:
    """A real account that was deactivated (a leaver): sees nothing, does nothing.

    Such a user object is not ``is_authenticated`` (Flask-Login treats inactive
    accounts as signed out), so it must not fall through to the rules for
    anonymous visitors, who may see public content.
    """
    return (
        user is not None
        and getattr(user, "is_anonymous", True) is False
        and not bool(getattr(user, "active", False))
    )


def is_admin(user: Any) -> bool:
    """An active administrator."""
    return is_signed_in(user) and bool(getattr(user, "is_admin", False))


def _memberships(user: Any) -> dict[int, str]:
    """group_id -> role for ``user``, cached for the current request only."""
    if not is_signed_in(user):
        return {}
    cache = g.setdefault("_schwarm_memberships", {}) if has_request_context() else {}
    if user.id not in cache:
        rows = db.session.execute(
            select(Membership.group_id, Membership.role).where(Membership.user_id == user.id)
        )
        cache[user.id] = {group_id: role for group_id, role in rows}
    return cache[user.id]


def forget(user: Any = None) -> None:
    """Drop cached memberships after they changed within this request."""
    if has_request_context():
        cache = g.get("_schwarm_memberships")
        if cache is not None:
            if user is None:
                cache.clear()
            else:
                cache.pop(getattr(user, "id", None), None)


def group_role(user: Any, group: Group | None) -> str | None:
    """``'owner'``, ``'member'`` or None."""
    if group is None:
        return None
    return _memberships(user).get(group.id)


def is_member(user: Any, group: Group) -> bool:
    """Member or owner of ``group``."""
    return group_role(user, group) is not None


def member_group_ids(user: Any) -> set[int]:
    """Ids of the groups ``user`` belongs to."""
    return set(_memberships(user))


def can_view_group(user: Any, group: Group | None) -> bool:
    """May ``user`` see this group and its content? (None = company-wide.)"""
    if is_deactivated(user):
        return False
    if group is None or group.visibility == PUBLIC:
        return True
    return is_admin(user) or is_member(user, group)


def can_join_group(user: Any, group: Group) -> bool:
    """Anyone signed in may join a public group they are not in."""
    return is_signed_in(user) and group.visibility == PUBLIC and not is_member(user, group)


def can_post_in_group(user: Any, group: Group | None) -> bool:
    """Members post to a group; company-wide posts are open to every account."""
    if not is_signed_in(user):
        return False
    if group is None:
        return True
    return is_member(user, group) or is_admin(user)


def can_administer_group(user: Any, group: Group) -> bool:
    """Owners and admins manage members and settings."""
    return is_admin(user) or group_role(user, group) == OWNER


def _group_of(obj: Any) -> Group | None:
    if isinstance(obj, Group):
        return obj
    group = getattr(obj, "group", None)
    if group is not None:
        return group
    group_id = getattr(obj, "group_id", None)
    return db.session.get(Group, group_id) if group_id is not None else None


def can_view(user: Any, obj: Any) -> bool:
    """May ``user`` see ``obj`` (anything with ``group``/``group_id``)?

    Soft-deleted objects (``deleted_at`` set) are visible to admins only.
    """
    if obj is None:
        return False
    if getattr(obj, "deleted_at", None) is not None and not is_admin(user):
        return False
    return can_view_group(user, _group_of(obj))


def can_edit(user: Any, obj: Any) -> bool:
    """Authors edit their own content; admins edit anything they can see."""
    if not is_signed_in(user) or not can_view(user, obj):
        return False
    return is_admin(user) or getattr(obj, "author_id", None) == user.id


def can_delete(user: Any, obj: Any) -> bool:
    """Author, an owner of the object's group, or an admin."""
    if not can_edit(user, obj):
        group = _group_of(obj)
        return bool(is_signed_in(user) and group is not None and group_role(user, group) == OWNER)
    return True


def can_view_user(viewer: Any, user: Any) -> bool:
    """Profiles (also of former colleagues) are visible inside the company."""
    return user is not None and is_signed_in(viewer)


def visible_group_filter(user: Any, group_id_column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose ``group_id_column`` ``user`` may see.

    Evaluated in the database on every query; nothing is cached across
    requests, so leaving a group hides its content at once.
    """
    if is_deactivated(user):
        return false()
    if is_admin(user):
        return true()
    public_ids = select(Group.id).where(Group.visibility == PUBLIC)
    clauses = [group_id_column.is_(None), group_id_column.in_(public_ids)]
    if is_signed_in(user):
        clauses.append(
            group_id_column.in_(select(Membership.group_id).where(Membership.user_id == user.id))
        )
    return or_(*clauses)


def visible_groups(user: Any) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Group` keeping the groups ``user`` may see."""
    if is_admin(user):
        return true()
    if is_deactivated(user):
        return false()
    clauses = [Group.visibility == PUBLIC]
    if is_signed_in(user):
        clauses.append(
            Group.id.in_(select(Membership.group_id).where(Membership.user_id == user.id))
        )
    return or_(*clauses)


def viewers_among(user_ids: list[int], obj: Any) -> list[int]:
    """Those of ``user_ids`` who may see ``obj`` — for notifications and e-mail."""
    from schwarm.accounts.models import User

    if not user_ids:
        return []
    group = _group_of(obj)
    stmt = select(User.id).where(User.id.in_(set(user_ids)), User.active.is_(True))
    if group is not None and group.visibility == PRIVATE:
        members = select(Membership.user_id).where(Membership.group_id == group.id)
        stmt = stmt.where(or_(User.id.in_(members), User.is_admin.is_(True)))
    allowed = set(db.session.scalars(stmt))
    return [uid for uid in dict.fromkeys(user_ids) if uid in allowed]


def can_manage_page(user: Any, page: Any) -> bool:
    """Wiki: delete and restore a page — admins, and owners of the page's group."""
    if is_admin(user):
        return True
    group = _group_of(page)
    return bool(is_signed_in(user) and group is not None and group_role(user, group) == OWNER)


def can_view_page(user: Any, page: Any) -> bool:
    """Wiki: like :func:`can_view`, but those who may restore a deleted page also see it."""
    if page is None:
        return False
    if getattr(page, "deleted_at", None) is not None:
        return can_manage_page(user, page)
    return can_view(user, page)


def can_edit_page(user: Any, page: Any) -> bool:
    """Wiki pages are shared documents: whoever may post in the page's group edits them.

    Company-wide pages are editable by every account; a group's pages by its
    members (and admins). Deleted pages are restored first, never edited.
    """
    if page is None or getattr(page, "deleted_at", None) is not None:
        return False
    return can_view(user, page) and can_post_in_group(user, _group_of(page))


def visible_group_ids(user: Any) -> set[int] | None:
    """Ids of the groups whose content ``user`` may see, or None for "all" (admins).

    For engines that cannot run :func:`visible_group_filter` (the search
    index): public groups plus the user's own. Evaluated per call — nothing is
    cached across requests — so leaving a group hides its content at once.
    Company-wide content (no group) is visible to everyone allowed to see
    anything; deactivated users get the empty set and must be refused before.
    """
    if is_deactivated(user):
        return set()
    if is_admin(user):
        return None
    ids = set(db.session.scalars(select(Group.id).where(Group.visibility == PUBLIC)))
    return ids | member_group_ids(user)


def unhidden_group_filter(user: Any, group_id_column: Any) -> ColumnElement[bool]:
    """The rule of :func:`visible_group_filter`, phrased as "not in a group hidden
    from ``user``" (stream: newest-first pages over large tables).

    An OR of IN-lists invites the planner to collect every matching row and
    sort it; "NULL or NOT IN (private groups the user is not in)" is checked row
    by row, so a query ordered by an id index walks it and stops at its LIMIT.
    Same result for every row whose group exists (the foreign key sees to it).
    """
    if is_deactivated(user):
        return false()
    if is_admin(user):
        return true()
    hidden = select(Group.id).where(Group.visibility == PRIVATE)
    if is_signed_in(user):
        hidden = hidden.where(
            Group.id.not_in(select(Membership.group_id).where(Membership.user_id == user.id))
        )
    return or_(group_id_column.is_(None), group_id_column.not_in(hidden))
