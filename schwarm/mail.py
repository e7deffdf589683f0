"""Sending e-mail: one small function, so that no feature talks SMTP itself.

:func:`send` hands a plain-text message to a background thread, so that a
request takes the same time whether or not it sends mail (a password-reset
request must not reveal that an account exists by being slower). With
``MAIL_SUPPRESS_SEND`` (by default: when ``TESTING``) nothing is sent;
messages are kept in :func:`outbox` for tests to read. :func:`compose` builds
a multipart text + HTML message with extra headers (List-Unsubscribe);
:func:`send_message` sends any message, in the background or (``wait``, for
the CLI) at once, returning whether it was delivered.

Settings: ``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``,
``MAIL_USE_TLS``, ``MAIL_DEFAULT_SENDER``, ``MAIL_SUPPRESS_SEND``.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage

from flask import Flask, current_app

log = logging.getLogger("schwarm.mail")
_OUTBOX = "schwarm.mail_outbox"


def send(to: str | list[str], subject: str, body: str) -> EmailMessage:
    """Send a plain-text e-mail to ``to`` (an address or a list), without waiting."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join([to] if isinstance(to, str) else to)
    # Header injection is impossible: EmailMessage refuses CR/LF in headers.
    message["Subject"] = subject
    message.set_content(body)
    send_message(message)
    return message


def compose(to: str, subject: str, text: str, html: str | None = None,
            headers: dict[str, str] | None = None) -> EmailMessage:
    """A message from the default sender: plain text, plus an HTML alternative if given."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def suppressed() -> bool:
    """True when messages are kept in :func:`outbox` instead of sent."""
    config = current_app.config
    suppress = config.get("MAIL_SUPPRESS_SEND")
    return bool(config.get("TESTING")) if suppress is None else bool(suppress)


def send_message(message: EmailMessage, *, wait: bool = False) -> bool:
    """Send ``message``: in a background thread, or with ``wait`` now (True if delivered).

    Failures are logged, never raised: mail is never worth failing a request for.
    """
    config = current_app.config
    if suppressed():
        current_app.extensions.setdefault(_OUTBOX, []).append(message)
        return True
    settings = {key: config.get(key) for key in (
        "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS")}
    if wait:
        return _deliver(settings, message)
    # Plain values only: the thread runs after the request and its context are gone.
    threading.Thread(target=_deliver, args=(settings, message), daemon=True,
                     name="schwarm-mail").start()
    return True


def _deliver(settings: dict, message: EmailMessage) -> bool:
    try:
        with smtplib.SMTP(settings["MAIL_SERVER"], int(settings["MAIL_PORT"]),
                          timeout=30) as smtp:
            if settings["MAIL_USE_TLS"]:
                smtp.starttls()
            if settings["MAIL_USERNAME"]:
                smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("sending mail to %s failed", message["To"])
        return False
    return True


def outbox(app: Flask | None = None) -> list[EmailMessage]:
    """Messages kept instead of sent (TESTING / MAIL_SUPPRESS_SEND)."""
    return (app or current_app).extensions.setdefault(_OUTBOX, [])
