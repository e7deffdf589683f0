"""Account services: every write here is one transaction."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from schwarm import activities

# Administration lives in admin.py; re-exported so that callers keep using services.*.
from schwarm.accounts.admin import deactivate as deactivate
from schwarm.accounts.admin import reactivate as reactivate
from schwarm.accounts.admin import set_admin as set_admin
from schwarm.accounts.auth import check_password, digest, end_session, hash_password, new_secret
from schwarm.accounts.models import ApiToken, Invite, LoginSession, User, UserExpertise
from schwarm.config import signup_domains
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Conflict, Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.text import clean_line, clean_username, normalize_identifier

MIN_PASSWORD = 8
MAX_EXPERTISE = 30


def clean_email(raw: str) -> str:
    """A plausible e-mail address, lower-cased, or Invalid."""
    email = (raw or "").strip()
    local, _at, domain = email.rpartition("@")
    if (
        not local
        or not domain
        or "." not in domain
        or len(email) > 254
        or any(ch.isspace() or ord(ch) < 32 for ch in email)
    ):
        raise Invalid(_("Please give a valid e-mail address."), code="invalid_email")
    return f"{local}@{domain.lower()}".lower()


def _clean_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(_("Passwords need at least %(n)s characters.", n=MIN_PASSWORD),
                      code="weak_password")
    if len(password) > 1024:
        raise Invalid(_("That password is too long."), code="invalid_password")
    return password


def _new_user(username: str, email: str, password: str, display_name: str = "",
              is_admin: bool = False) -> User:
    try:
        name = clean_username(username)
        shown = clean_line(display_name or username, field=_("Display name"), max_length=120)
    except ValueError as error:
        raise Invalid(str(error), code="invalid_username") from None
    return User(
        username=name,
        email=clean_email(email),
        display_name=shown,
        password_hash=hash_password(_clean_password(password)),
        is_admin=is_admin,
        created_at=utcnow(),
    )


def _insert_user(user: User) -> User:
    try:
        with write_transaction():
            db.session.add(user)
            db.session.flush()
            activities.record(user.id, "joined", "user", user.id, text=user.name,
                              url=f"/u/{user.username}")
    except IntegrityError:
        raise Conflict(_("That username or e-mail address is already taken."),
                       code="taken") from None
    return user


def create_user(username: str, email: str, password: str, display_name: str = "",
                *, is_admin: bool = False) -> User:
    """Create an account (CLI, admin, tests)."""
    return _insert_user(_new_user(username, email, password, display_name, is_admin))


def needs_setup() -> bool:
    """True until the first account exists."""
    return db.session.scalar(select(func.count(User.id))) == 0


def setup_first_admin(username: str, email: str, password: str, display_name: str = "") -> User:
    """Create the first admin; refused once any account exists."""
    user = _new_user(username, email, password, display_name, is_admin=True)
    # Checked inside the write transaction (BEGIN IMMEDIATE on SQLite), so two
    # simultaneous set-ups cannot both create an admin.
    with write_transaction():
        if not needs_setup():
            raise NotFound(_("Setup is already done."))
        return _insert_user(user)


def find_login(login: str) -> User | None:
    """The user with this username or e-mail address."""
    login = (login or "").strip()
    if not login or len(login) > 254:
        return None
    return db.session.scalar(
        select(User).where(
            or_(User.username == normalize_identifier(login), User.email == login.lower())
        )
    )


def authenticate(login: str, password: str) -> User | None:
    """The active user whose credentials these are, else None (same work either way)."""
    user = find_login(login)
    return user if check_password(user, password or "") else None


def sign_out(login_key: str | None) -> None:
    """End one login session."""
    with write_transaction():
        end_session(login_key)


# --- sign-up -------------------------------------------------------------------------

def create_invite(admin: User, email: str = "", note: str = "") -> str:
    """A single-use sign-up link token, valid for INVITE_MAX_AGE; shown once."""
    if not admin.is_admin:
        raise Forbidden(_("Only admins invite people."))
    email = clean_email(email) if email else ""
    token = new_secret()
    with write_transaction():
        db.session.add(Invite(
            token_hash=digest(token), email=email, note=note[:500], created_by_id=admin.id,
            created_at=utcnow(), expires_at=utcnow() + current_app.config["INVITE_MAX_AGE"],
        ))
    return token


def valid_invite(token: str | None) -> Invite | None:
    """The unused, unexpired invite for ``token``."""
    if not token or len(token) > 100:
        return None
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == digest(token)))
    if invite is None or invite.used_at is not None or invite.expires_at < utcnow():
        return None
    return invite


def signup_allowed(email: str, invite_token: str | None) -> bool:
    """Sign-up is open with a valid invite, or for an allowed e-mail domain."""
    if valid_invite(invite_token) is not None:
        return True
    domain = email.rpartition("@")[2].lower()
    return bool(domain) and domain in signup_domains(current_app.config["SIGNUP_DOMAINS"])


def register(username: str, email: str, password: str, display_name: str = "",
             invite_token: str | None = None) -> User:
    """Self sign-up by invite link or allowed e-mail domain."""
    email = clean_email(email)
    invite = valid_invite(invite_token)
    if invite is not None and invite.email and invite.email != email:
        raise Forbidden(_("This invitation is for another e-mail address."), code="invite_email")
    if not signup_allowed(email, invite_token):
        raise Forbidden(_("Sign-up needs an invitation or an e-mail address of the company."),
                        code="signup_closed")
    user = _new_user(username, email, password, display_name)
    try:
        with write_transaction():
            db.session.add(user)
            db.session.flush()
            if invite is not None:
                # Conditional update: two people cannot both use one invite.
                used = db.session.execute(
                    update(Invite)
                    .where(Invite.id == invite.id, Invite.used_at.is_(None))
                    .values(used_at=utcnow(), used_by_id=user.id, uses=Invite.uses + 1)
                ).rowcount
                if used != 1:
                    raise Conflict(_("This invitation has just been used."), code="invite_used")
            activities.record(user.id, "joined", "user", user.id, text=user.name,
                              url=f"/u/{user.username}")
    except IntegrityError:
        raise Conflict(_("That username or e-mail address is already taken."),
                       code="taken") from None
    return user


# --- profile ---------------------------------------------------------------------------

@dataclass
class ProfileChange:
    """Fields a user may change about themselves; None = unchanged."""

    display_name: str | None = None
    title: str | None = None
    department: str | None = None
    expertise: list[str] | None = None
    language: str | None = None
    timezone: str | None = None


@functools.cache
def _timezones() -> frozenset[str]:
    # Reading the zone database walks the file system: once per process is enough.
    return frozenset(zoneinfo.available_timezones())


def timezone_names() -> list[str]:
    """Every IANA time zone name, sorted (for the settings page)."""
    return sorted(_timezones())


def clean_expertise(tags: list[str] | str) -> list[str]:
    """Expertise tags normalised like #tags, deduplicated, in order."""
    from schwarm.markup import normalize_tag

    if isinstance(tags, str):
        tags = tags.replace(",", " ").split()
    cleaned: list[str] = []
    for raw in tags:
        if not isinstance(raw, str):
            raise Invalid(_("Expertise must be a list of tags."))
        tag = normalize_tag(raw.strip())
        if not tag:
            continue
        if len(tag) > 64 or not all(ch.isalnum() or ch in "-_" for ch in tag):
            raise Invalid(_("'%(tag)s' is not a valid tag.", tag=raw), code="invalid_tag")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_EXPERTISE:
        raise Invalid(_("At most %(n)s expertise tags.", n=MAX_EXPERTISE), code="invalid_tag")
    return cleaned


def update_profile(user: User, change: ProfileChange) -> User:
    """Apply a profile change after validating all of it (all or nothing)."""
    values: dict = {}
    try:
        if change.display_name is not None:
            values["display_name"] = clean_line(change.display_name, field=_("Display name"),
                                                max_length=120)
        if change.title is not None:
            values["title"] = clean_line(change.title, field=_("Job title"), max_length=120,
                                         required=False)
        if change.department is not None:
            values["department"] = clean_line(change.department, field=_("Department"),
                                              max_length=120, required=False)
    except ValueError as error:
        raise Invalid(str(error)) from None
    if change.language is not None:
        if change.language not in ("", *current_app.config["LANGUAGES"]):
            raise Invalid(_("Language must be 'de' or 'en'."), code="invalid_language")
        values["language"] = change.language or None
    if change.timezone is not None:
        if change.timezone not in _timezones():
            raise Invalid(_("Unknown time zone."), code="invalid_timezone")
        values["timezone"] = change.timezone
    expertise = clean_expertise(change.expertise) if change.expertise is not None else None
    with write_transaction():
        user = db.session.get(User, user.id)
        for key, value in values.items():
            setattr(user, key, value)
        if expertise is not None:
            user.expertise_rows = [UserExpertise(tag=tag) for tag in expertise]
        activities.record(user.id, "updated_profile", "user", user.id, text=user.name,
                          url=f"/u/{user.username}")
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Re-authenticate, then set a new password and end the other sessions."""
    if not check_password(user, current_password or ""):
        raise Forbidden(_("The current password is not right."), code="reauth_failed")
    new_hash = hash_password(_clean_password(new_password))
    with write_transaction():
        fresh = db.session.get(User, user.id)
        fresh.password_hash = new_hash
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None),
                   LoginSession.key_hash != digest(user.login_key or ""))
            .values(revoked_at=utcnow())
        )


# --- tokens ----------------------------------------------------------------------------

def create_token(user: User, name: str = "", scope: str = "api") -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its hash is kept."""
    if scope not in ("api", "feed"):
        raise Invalid(_("Unknown token scope."))
    try:
        name = clean_line(name or scope, field=_("Name"), max_length=80)
    except ValueError as error:
        raise Invalid(str(error)) from None
    secret = new_secret("sw_" if scope == "api" else "swf_")
    with write_transaction():
        token = ApiToken(user_id=user.id, name=name, scope=scope, token_hash=digest(secret),
                         prefix=secret[:8], created_at=utcnow())
        db.session.add(token)
    return token, secret


def list_tokens(user: User) -> list[ApiToken]:
    """The user's unrevoked tokens, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
    ))


def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens."""
    with write_transaction():
        done = db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.user_id == user.id,
                   ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        ).rowcount
        if not done:
            raise NotFound(_("No such token."))


def get_user(username: str) -> User | None:
    """The user with this (normalised) username."""
    try:
        name = normalize_identifier(username)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(User).where(User.username == name))


def user_summary(user: User) -> dict:
    """The API shape of a user."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "title": user.title,
        "department": user.department,
        "expertise": user.expertise,
        "active": user.active,
    }


def me_summary(user: User) -> dict:
    """The API shape of the signed-in user: public fields plus their settings."""
    return {**user_summary(user), "email": user.email, "language": user.language,
            "timezone": user.timezone, "is_admin": user.is_admin,
            "created_at": iso(user.created_at)}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, e.g. ``2026-11-23T12:00:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
