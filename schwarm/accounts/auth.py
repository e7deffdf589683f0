"""Authentication: password hashing, login sessions and bearer tokens.

Passwords use werkzeug's scrypt (memory-hard). Login sessions and tokens are
random secrets of which only the SHA-256 is stored, so a database dump does
not let anyone in. Signing out or deactivation revokes the stored row, which
ends that browser session (and its remember-me cookie) on the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask_login import LoginManager
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from schwarm.accounts.models import ApiToken, LoginSession, User
from schwarm.db import utcnow, write_transaction
from schwarm.extensions import db

# A valid hash to compare against when the user does not exist, so that
# unknown and real accounts take the same time to refuse.
_DUMMY_HASH: str | None = None


def hash_password(password: str) -> str:
    """A scrypt hash of ``password``."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
    return generate_password_hash(password, method=method)


def check_password(user: User | None, password: str) -> bool:
    """Constant-work password check; False for unknown or inactive users."""
    global _DUMMY_HASH
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password)
        return False
    ok = check_password_hash(user.password_hash, password)
    return ok and user.active


def digest(secret: str) -> str:
    """SHA-256 hex of a random secret (tokens are high-entropy; no salt needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(prefix: str = "") -> str:
    """A URL-safe random secret of 256 bits."""
    return prefix + secrets.token_urlsafe(32)


def start_session(user: User) -> str:
    """Record a new login session for ``user`` (caller commits); returns its key."""
    key = new_secret()
    db.session.add(
        LoginSession(
            user_id=user.id,
            key_hash=digest(key),
            created_at=utcnow(),
            user_agent=(request.headers.get("User-Agent", "") if request else "")[:255],
        )
    )
    user.login_key = key
    return key


def end_session(key: str | None) -> None:
    """Revoke the login session with ``key`` (caller commits)."""
    if key:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.key_hash == digest(key), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def load_user_by_session_key(key: str) -> User | None:
    """The active user of a live login session, or None."""
    if not key or len(key) > 100:
        return None
    row = db.session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.key_hash == digest(key),
            LoginSession.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).scalar_one_or_none()
    if row is not None:
        row.login_key = key
    return row


def user_for_token(token: str, scope: str = "api") -> User | None:
    """The active owner of an unrevoked token of ``scope``; records last use."""
    if not token or len(token) > 200:
        return None
    found = db.session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == digest(token),
            ApiToken.scope == scope,
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    if found is None:
        return None
    api_token, user = found
    now = utcnow()
    # Write last-use at most once a minute: a token used in a loop must not
    # turn every read into a write.
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
        with write_transaction():
            db.session.execute(
                update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now)
            )
    g.token_id = api_token.id
    return user


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def init_login_manager(manager: LoginManager) -> None:
    """Sessions from the cookie; bearer tokens for the API."""
    manager.login_view = "accounts.login"
    manager.session_protection = "basic"
    manager.login_message = None

    @manager.user_loader
    def _load(key: str):
        return load_user_by_session_key(key)

    @manager.request_loader
    def _from_request(_request):
        token = bearer_token()
        if token is None:
            return None
        user = user_for_token(token)
        if user is not None:
            g.auth_via_token = True
        return user
