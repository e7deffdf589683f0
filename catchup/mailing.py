"""E-mail out: the digest (the catch-up as e-mail) and immediate notification e-mails.

* Readers choose in /settings: each notification at once (opt-in), and a
  ``daily`` or ``weekly`` digest (or ``none``).
* Every message is multipart (plain text and HTML), in the reader's language,
  with a one-click unsubscribe link (a signed token that works without signing
  in) and a ``List-Unsubscribe`` header.
* :func:`send_digests` (``schwarm send-digests``, for cron) claims each
  reader's period in the database before sending, so a second run in the same
  period sends nothing, and two runs at once never both send.
* Notification e-mails go out after the commit that created the notification
  (collected by session events, sent by an after-commit hook): never inside a
  transaction; failures are logged, not raised.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import Flask, current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catchup.models import DigestDelivery
from catchup.services import catch_up
from schwarm import mail
from schwarm.accounts.models import User
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Invalid
from schwarm.extensions import db
from schwarm.notifications.models import Notification

log = logging.getLogger("schwarm.catchup")

DIGESTS = ("none", "daily", "weekly")
UNSUBSCRIBE_KINDS = ("digest", "notifications")
_PENDING = "schwarm.catchup.new_notifications"
_READY = "schwarm.catchup.committed_notifications"


# --- settings and unsubscribe ---------------------------------------------------------

def set_preferences(user: User, *, notifications: bool, digest: str) -> User:
    """Change a reader's e-mail settings (one transaction)."""
    if digest not in DIGESTS:
        raise Invalid(_("Choose no digest, a daily or a weekly one."), code="invalid_digest")
    with write_transaction():
        fresh = db.session.get(User, user.id)
        fresh.email_notifications = bool(notifications)
        fresh.email_digest = digest
    return fresh


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="schwarm.unsubscribe")


def unsubscribe_token(user: User, kind: str) -> str:
    """A signed token that turns off ``kind`` (digest / notifications) for ``user``."""
    return _serializer().dumps([user.id, kind])


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The reader and kind of a valid token, else None."""
    try:
        user_id, kind = _serializer().loads(token or "")
    except (BadSignature, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or kind not in UNSUBSCRIBE_KINDS:
        return None
    return user, kind


def unsubscribe(user: User, kind: str) -> None:
    """Stop the digest or the notification e-mails (idempotent)."""
    values = {"email_digest": "none"} if kind == "digest" else {"email_notifications": False}
    with write_transaction():
        db.session.execute(update(User).where(User.id == user.id).values(**values))


def absolute(path: str) -> str:
    """An address for e-mails, on ``PUBLIC_URL``."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def _mail_context() -> AbstractContextManager:
    """Templates (and their context processors) need a request: outside one (the CLI,
    an after-commit hook of a background job) render in a neutral one on PUBLIC_URL."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"])


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- digests --------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A digest period: its key (the idempotency key) and where its content starts."""

    key: str
    since: datetime


def period_of(kind: str, now: datetime) -> Period:
    """``daily:YYYY-MM-DD`` covering the last day, ``weekly:YYYY-Www`` the last week (UTC)."""
    if kind == "daily":
        return Period(f"daily:{now.date().isoformat()}", now - timedelta(days=1))
    year, week, _day = now.isocalendar()
    return Period(f"weekly:{year}-W{week:02d}", now - timedelta(days=7))


def _local_time(moment: datetime, user: User, language: str) -> str:
    """``moment`` in the reader's time zone and language (no request to ask)."""
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return format_datetime(moment, "medium", tzinfo=zone, locale=language)


def render_digest(user: User, since: datetime) -> tuple[EmailMessage, int]:
    """The digest e-mail for ``user`` and how many things it reports."""
    catch = catch_up(user, since)
    unsubscribe_url = absolute(f"/unsubscribe/{unsubscribe_token(user, 'digest')}")
    language = user.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    context = {"user": user, "catch": catch, "absolute": absolute,
               "since": _local_time(catch.since, user, language),
               "unsubscribe_url": unsubscribe_url, "catchup_url": absolute("/catchup")}
    with _mail_context(), force_locale(language):
        subject = _("Your Schwarm digest: %(n)s new", n=catch.total)
        text = render_template("catchup/digest.txt", **context)
        html = render_template("catchup/digest_email.html", **context)
    message = mail.compose(user.email, subject, text, html,
                           _unsubscribe_headers(unsubscribe_url))
    return message, catch.total


def send_digests(now: datetime | None = None) -> dict[str, int]:
    """Send every due digest once per period; returns counts (sent, empty, failed, done).

    A reader's period is claimed (a :class:`DigestDelivery` row) before the
    message is sent; a failed send gives the claim back, so the next run retries.
    Readers with nothing new get no e-mail (the period counts as done).
    """
    now = now or utcnow()
    counts = {"sent": 0, "empty": 0, "failed": 0, "done": 0}
    for kind in ("daily", "weekly"):
        period = period_of(kind, now)
        done = select(DigestDelivery.user_id).where(DigestDelivery.period == period.key)
        readers = db.session.scalars(
            select(User).where(User.active.is_(True), User.email_digest == kind,
                               User.id.not_in(done)).order_by(User.id)
        ).all()
        counts["done"] += db.session.scalar(
            select(func.count()).select_from(done.subquery())) or 0
        for reader in readers:
            counts[_send_one(reader, period)] += 1
    return counts


def _send_one(reader: User, period: Period) -> str:
    message, total = render_digest(reader, period.since)
    try:
        with write_transaction():
            db.session.add(DigestDelivery(user_id=reader.id, period=period.key,
                                          sent_at=utcnow(), item_count=total))
    except IntegrityError:  # another run claimed it first
        return "done"
    if total == 0:
        return "empty"
    if mail.send_message(message, wait=True):
        return "sent"
    log.warning("digest for %s not sent; will retry on the next run", reader.username)
    with write_transaction():
        db.session.execute(delete(DigestDelivery).where(
            DigestDelivery.user_id == reader.id, DigestDelivery.period == period.key))
    return "failed"


# --- immediate notification e-mails ----------------------------------------------------

def _collect(session: Session, _flush_context) -> None:
    new = [obj for obj in session.new if isinstance(obj, Notification)]
    if new:
        session.info.setdefault(_PENDING, set()).update(obj.id for obj in new)


def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_READY, set()).update(pending)


def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def send_notification_mails() -> None:
    """After commit: e-mail the notifications just created to readers who opted in."""
    ready = db.session().info.pop(_READY, None)
    if not ready:
        return
    rows = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ready), Notification.emailed_at.is_(None),
               User.email_notifications.is_(True), User.active.is_(True))
    ).all()
    if not rows:
        # End the read: an open transaction would pin this session to an old
        # snapshot (SQLite: and hold back WAL checkpoints) until its next write.
        db.session.rollback()
        return
    ids = [notification.id for notification, _user in rows]
    messages = {n.id: _notification_message(n, user) for n, user in rows}  # before commit
    stamp = utcnow()
    with write_transaction():  # claim them, so that no notification is e-mailed twice
        db.session.execute(
            update(Notification).where(Notification.id.in_(ids),
                                       Notification.emailed_at.is_(None))
            .values(emailed_at=stamp)
        )
        mine = set(db.session.scalars(select(Notification.id).where(
            Notification.id.in_(ids), Notification.emailed_at == stamp)))
    for notification_id in ids:
        if notification_id in mine:
            mail.send_message(messages[notification_id])


def _notification_message(notification: Notification, user: User) -> EmailMessage:
    unsubscribe_url = absolute(f"/unsubscribe/{unsubscribe_token(user, 'notifications')}")
    context = {"notification": notification, "user": user, "link": absolute(
        notification.object_url or "/notifications"), "unsubscribe_url": unsubscribe_url}
    language = user.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with _mail_context(), force_locale(language):
        subject = _("Schwarm: %(text)s", text=" ".join(notification.text.split())[:120])
        text = render_template("catchup/notification.txt", **context)
        html = render_template("catchup/notification_email.html", **context)
    return mail.compose(user.email, subject, text, html, _unsubscribe_headers(unsubscribe_url))


def init_app(app: Flask) -> None:
    """Session events that collect new notifications; the after-commit sender."""
    from schwarm.hooks import register_after_commit

    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _rolled_back)
    register_after_commit(app, send_notification_mails)
