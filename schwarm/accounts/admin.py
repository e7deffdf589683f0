"""Administration of accounts: deactivating leavers (with handover), reactivating,
the admin role. Every function is one transaction and checks that the actor is an admin."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from schwarm import activities
from schwarm.accounts.models import ApiToken, LoginSession, User
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Forbidden, Invalid
from schwarm.extensions import db


def deactivate(admin: User, user: User, successor: User | None = None) -> dict:
    """Deactivate a leaver: no sign-in, sessions and tokens revoked, content stays.

    Returns what was handed over to ``successor`` (group ownerships for now;
    other features add their handover through :data:`HANDOVER_STEPS`).
    """
    if not admin.is_admin:
        raise Forbidden(_("Only admins deactivate accounts."))
    if user.id == admin.id:
        raise Invalid(_("You cannot deactivate yourself."), code="self")
    if successor is not None and (not successor.active or successor.id == user.id):
        raise Invalid(_("The successor must be another active account."), code="successor")
    handed: dict[str, list] = {}
    now = utcnow()
    with write_transaction():
        target = db.session.get(User, user.id)
        target.active = False
        target.deactivated_at = now
        db.session.execute(update(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
        ).values(revoked_at=now))
        db.session.execute(update(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        ).values(revoked_at=now))
        for step in HANDOVER_STEPS:
            step(admin, target, successor, handed)
        activities.record(admin.id, "deactivated", "user", user.id, text=target.name,
                          url=f"/u/{target.username}")
    return handed


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


def _hand_over_groups(admin: User, user: User, successor: User | None, handed: dict) -> None:
    from schwarm.groups.services import hand_over_ownerships

    if successor is not None:
        handed["groups"] = hand_over_ownerships(admin, user, successor)


# Each step runs inside the deactivation transaction: (admin, user, successor, handed).
HANDOVER_STEPS: list = [_hand_over_groups]


