"""Password reset by e-mail.

The link carries a signed, timed token bound to a fragment of the current
password hash: once the password changes, every earlier link is dead, so a
link works once. Asking for a link looks and takes the same whether or not
the account exists (no user enumeration).
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import update

from schwarm.accounts.auth import digest, hash_password
from schwarm.accounts.models import LoginSession, User
from schwarm.accounts.services import _clean_password, find_login
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Invalid
from schwarm.extensions import db

SALT = "schwarm-password-reset"
DEFAULT_MAX_AGE = 3600  # seconds; PASSWORD_RESET_MAX_AGE overrides


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _fingerprint(user: User) -> str:
    return digest(user.password_hash)[:16]


def make_token(user: User) -> str:
    """A reset token for ``user``, valid until used or PASSWORD_RESET_MAX_AGE passes."""
    return _serializer().dumps({"u": user.id, "h": _fingerprint(user)})


def user_for_token(token: str) -> User | None:
    """The active user a valid, unused, unexpired token belongs to."""
    if not token or len(token) > 500:
        return None
    max_age = current_app.config.get("PASSWORD_RESET_MAX_AGE", DEFAULT_MAX_AGE)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("h") != _fingerprint(user):
        return None
    return user


def request_reset(login: str) -> None:
    """E-mail a reset link to the account with this username or address, if there is one.

    Says nothing about whether there was: the caller shows the same page either way.
    """
    from schwarm import mail

    user = find_login(login)
    if user is None or not user.active:
        _serializer().dumps({"u": 0, "h": ""})  # the same work as for a real account
        return
    link = url_for("accounts.reset_password", token=make_token(user), _external=True)
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Choose a new Schwarm password")
        body = _(
            "Hello %(name)s,\n\nsomeone (hopefully you) asked to reset your Schwarm password. "
            "Open this link within an hour to choose a new one:\n\n%(link)s\n\n"
            "If you did not ask for this, ignore this message; your password stays as it is.",
            name=user.name, link=link)
    mail.send(user.email, subject, body)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link; every session of the account ends."""
    user = user_for_token(token)
    if user is None:
        raise Invalid(_("This link is invalid or has expired. Please ask for a new one."),
                      code="invalid_token")
    new_hash = hash_password(_clean_password(new_password))
    old_hash = user.password_hash
    with write_transaction():
        # Conditional on the hash the link was made for: two uses at once, one wins.
        changed = db.session.execute(
            update(User).where(User.id == user.id, User.password_hash == old_hash)
            .values(password_hash=new_hash)
        ).rowcount
        if changed != 1:
            raise Invalid(_("This link is invalid or has expired. Please ask for a new one."),
                          code="invalid_token")
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    db.session.expire(user)
    return user
