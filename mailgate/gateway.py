"""The SMTP gateway: mail to ``<group>@<MAIL_LIST_DOMAIN>`` becomes a post there.

``schwarm mail-gateway --port N [--host H]`` runs an aiosmtpd server. The
checks happen as early as SMTP allows, each with a clear 5xx answer:

* RCPT: the envelope sender must be an active account ("550 5.7.1"); the
  address must name a group that sender may see ("550 5.1.1 no such group
  address" — also for a private group they are not in, so its existence is not
  revealed) and may post in ("550 5.7.1 join the group").
* DATA: more than ``MAIL_GATEWAY_MAX_BYTES`` is "552"; a From header that
  belongs to someone else than the envelope sender, an automatic reply
  (out-of-office), a message that cannot be
  read, or text the stream refuses (too long, empty) is "550"/"552"; more
  mail than the posting rate limit allows is "451" (the sender retries later).

A Message-ID already known in the group is accepted and ignored. Database
work runs in worker threads, each with its own app context (and so its own
session); the server thread never holds ORM objects.

SMTP itself authenticates nobody: run the gateway behind the company's mail
server (which checks SPF/DKIM) or bound to an internal interface.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask, current_app
from limits import parse_many
from sqlalchemy.exc import IntegrityError

from mailgate.parsing import Malformed, parse_mail
from mailgate.services import DUPLICATE, deliver, find_sender, group_for_address
from schwarm import access
from schwarm.db import write_transaction
from schwarm.errors import ServiceError, TooLarge
from schwarm.extensions import limiter

log = logging.getLogger("schwarm.mailgate")


def _smtp_text(text: str) -> str:
    """One ASCII line, as an SMTP reply must be."""
    line = " ".join(str(text).split())
    return line.encode("ascii", "replace").decode("ascii")[:400]


def max_bytes(app: Flask) -> int:
    """The largest message the gateway accepts (``MAIL_GATEWAY_MAX_BYTES``)."""
    return int(app.config.get("MAIL_GATEWAY_MAX_BYTES") or 10 * 1024 * 1024)


def check_recipient(sender: str, address: str) -> str | None:
    """None if ``sender`` may post to ``address``, else the SMTP error reply."""
    user = find_sender(sender)
    if not access.is_signed_in(user):
        return _smtp_text(f"550 5.7.1 Sender <{sender}> has no active account here; "
                          "only colleagues can post by mail")
    group = group_for_address(address)
    if group is None or not access.can_view_group(user, group):
        return _smtp_text(f"550 5.1.1 <{address}>: no such group address")
    if not access.can_post_in_group(user, group):
        return _smtp_text(f"550 5.7.1 Join the group \"{group.name}\" to post to it by mail")
    return None


def _within_posting_limit(user) -> bool:
    """The web's posting budget (RATELIMIT_POSTING) applies to mail too, per account."""
    if not current_app.config.get("RATELIMIT_ENABLED", True) or user is None:
        return True
    hits = [limiter.limiter.hit(item, "mailgate", str(user.id))
            for item in parse_many(current_app.config["RATELIMIT_POSTING"])]
    return all(hits)


def receive(sender: str, recipients: list[str], content: bytes) -> str:
    """Turn one accepted message into posts/comments; the SMTP reply to DATA."""
    if len(content) > max_bytes(current_app):
        return _smtp_text(f"552 5.3.4 Message too big: at most {max_bytes(current_app)} "
                          "bytes are accepted")
    try:
        mail = parse_mail(content)
    except Malformed as error:
        return _smtp_text(f"550 5.6.0 Cannot read this message: {error}")
    if mail.automatic:
        return "550 5.7.1 Automatic replies (Auto-Submitted, Precedence: bulk) are not posted"
    user = find_sender(sender)
    if find_sender(mail.sender_address) is not user:
        return _smtp_text(f"550 5.7.1 The From address <{mail.sender_address}> does not "
                          f"belong to the sender <{sender}>")
    if not _within_posting_limit(user):
        # 4xx: the sending server keeps the mail and tries again later; nothing is lost.
        return "451 4.7.1 You are posting too fast; the mail will be retried later"
    groups = []
    for address in dict.fromkeys(recipients):
        refused = check_recipient(sender, address)  # rights may have changed since RCPT
        if refused:
            return refused
        groups.append(group_for_address(address))
    try:
        with write_transaction():  # one mail to two groups: both posts or neither
            results = [deliver(user, group, mail) for group in groups]
    except IntegrityError:
        # The same Message-ID arrived twice at once; the other delivery won.
        return "250 2.0.0 OK: already received"
    except TooLarge as error:
        return _smtp_text(f"552 5.3.4 {error.message}")
    except ServiceError as error:
        return _smtp_text(f"550 5.7.1 {error.message}")
    if all(result.status == DUPLICATE for result in results):
        return "250 2.0.0 OK: already received"
    return "250 2.0.0 OK: posted"


class GatewayHandler:
    """aiosmtpd handler: RCPT and DATA decided by :func:`check_recipient`, :func:`receive`."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _in_app(self, func: Callable[..., str | None], *args: Any) -> str | None:
        with self.app.app_context():
            try:
                return func(*args)
            except Exception:  # a bug or a lost database: the sender's server retries later
                log.exception("mail gateway failed")
                return "451 4.3.0 Temporary failure; please try again later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refused = await asyncio.to_thread(self._in_app, check_recipient,
                                          envelope.mail_from or "", address)
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):  # pragma: no cover - decode_data is off
            content = content.encode("utf-8", "surrogateescape")
        return await asyncio.to_thread(self._in_app, receive, envelope.mail_from or "",
                                       list(envelope.rcpt_tos), content)


def make_controller(app: Flask, host: str, port: int) -> Controller:
    """An (unstarted) aiosmtpd controller serving the gateway on ``host:port``."""
    return Controller(GatewayHandler(app), hostname=host, port=port,
                      data_size_limit=max_bytes(app), server_hostname=host)


def serve(app: Flask, host: str, port: int) -> None:
    """Run the gateway in the foreground until SIGINT or SIGTERM, then stop cleanly
    (a message being received is finished first)."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    controller = make_controller(app, host, port)
    controller.start()
    log.info("mail gateway listening on %s:%s", host, port)
    try:
        stop.wait()
    finally:
        controller.stop()
