"""Administration of accounts: deactivating leavers (with handover), reactivating,
the admin role. Every function is one transaction and checks that the actor is an admin."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from schwarm import access, activities
from schwarm.accounts.models import ApiToken, LoginSession, User
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Forbidden, Invalid
from schwarm.extensions import db


def deactivate(admin: User, user: User, successor: User | None = None,
               selection: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Deactivate a leaver: no sign-in, sessions and tokens revoked, content stays.

    With a ``successor``, the leaver's responsibilities (every registered
    :mod:`schwarm.handover` source: groups owned, pages, open questions, ...)
    are handed over in the same transaction; ``selection`` (source key -> item
    ids) limits that, None hands over everything. Returns what was handed over,
    by source key (sources with nothing handed over are left out).
    """
    from schwarm import handover

    if not admin.is_admin:
        raise Forbidden(_("Only admins deactivate accounts."))
    if user.id == admin.id:
        raise Invalid(_("You cannot deactivate yourself."), code="self")
    if successor is not None and (not successor.active or successor.id == user.id):
        raise Invalid(_("The successor must be another active account."), code="successor")
    handed: dict[str, list[str]] = {}
    now = utcnow()
    with write_transaction():
        target = db.session.get(User, user.id)
        if successor is not None:
            handed = handover.hand_over(admin, target, successor, selection)
            total = sum(len(ids) for ids in handed.values())
            if total:
                _notify_successor(admin, target, successor, total)
        target.active = False
        target.deactivated_at = now
        db.session.execute(update(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
        ).values(revoked_at=now))
        db.session.execute(update(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        ).values(revoked_at=now))
        activities.record(admin.id, "deactivated", "user", user.id, text=target.name,
                          url=f"/u/{target.username}")
    access.forget()
    return {key: ids for key, ids in handed.items() if ids}


def _notify_successor(admin: User, leaver: User, successor: User, total: int) -> None:
    from schwarm.notifications.services import notify

    notify([successor.id], "handover", actor_id=admin.id, obj=leaver, object_type="user",
           object_id=leaver.id, url=f"/u/{leaver.username}",
           text=f"{admin.name} handed {total} item(s) of {leaver.name} over to you.")


def reactivate(admin: User, user: User) -> None:
    """Let a returning colleague sign in again."""
    if not admin.is_admin:
        raise Forbidden(_("Only admins reactivate accounts."))
    with write_transaction():
        target = db.session.get(User, user.id)
        target.active = True
        target.deactivated_at = None
        activities.record(admin.id, "reactivated", "user", user.id, text=target.name)


def set_admin(admin: User, user: User, is_admin: bool) -> None:
    """Grant or remove the admin role (never from yourself)."""
    if not admin.is_admin:
        raise Forbidden(_("Only admins change roles."))
    if user.id == admin.id:
        raise Invalid(_("You cannot change your own role."))
    with write_transaction():
        db.session.get(User, user.id).is_admin = is_admin
