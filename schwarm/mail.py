"""Sending e-mail: one small function, so that no feature talks SMTP itself.

:func:`send` hands a plain-text message to a background thread, so that a
request takes the same time whether or not it sends mail (a password-reset
request must not reveal that an account exists by being slower). With
``TESTING`` or ``MAIL_SUPPRESS_SEND`` nothing is sent; messages are kept in
:func:`outbox` for tests to read.

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
    if config.get("TESTING") or config.get("MAIL_SUPPRESS_SEND"):
        current_app.extensions.setdefault(_OUTBOX, []).append(message)
        return message
    settings = {key: config.get(key) for key in (
        "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS")}
    # Plain values only: the thread runs after the request and its context are gone.
    threading.Thread(target=_deliver, args=(settings, message), daemon=True,
                     name="schwarm-mail").start()
    return message


def _deliver(settings: dict, message: EmailMessage) -> None:
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


def outbox(app: Flask | None = None) -> list[EmailMessage]:
    """Messages kept instead of sent (TESTING / MAIL_SUPPRESS_SEND)."""
    return (app or current_app).extensions.setdefault(_OUTBOX, [])
