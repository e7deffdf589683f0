"""E-mail out, through a real SMTP server on loopback (aiosmtpd): the digest
(multipart, in the reader's language, with a working unsubscribe link),
idempotent ``send-digests``, and notification e-mails after commit."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from catchup import mailing
from schwarm.accounts import services
from schwarm.accounts.models import User
from schwarm.extensions import db
from schwarm.notifications.models import Notification
from tests.catchup.conftest import T0


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp):
    _controller, box = smtp
    box.messages.clear()
    return box


@pytest.fixture
def app_config(smtp):
    controller, _box = smtp
    return {"MAIL_SUPPRESS_SEND": False, "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": controller.port, "PUBLIC_URL": "http://localhost"}


def _set(user, **values) -> User:
    mailing.set_preferences(user, notifications=values.get("notifications", False),
                            digest=values.get("digest", "none"))
    if "language" in values:
        services.update_profile(user, services.ProfileChange(
            language=values["language"], timezone=values.get("timezone", "UTC")))
    db.session.expire_all()
    return db.session.get(User, user.id)


def _parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk()
            if not part.is_multipart()}


def test_weekly_digest_in_german_with_a_working_unsubscribe_link(client, runner, world, clock,
                                                                 inbox):
    dora = _set(world.dora, digest="weekly", language="de", timezone="Europe/Berlin")
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0 and "sent 1" in result.output
    [message] = inbox.wait_for(1)
    assert message["To"] == "dora@example.com"
    assert message["Subject"].startswith("Ihre Schwarm-Zusammenfassung")
    assert message.is_multipart()
    parts = _parts(message)
    text, html = parts["text/plain"], parts["text/html"]
    assert "Hallo Dora Dunkel" in text and "Antworten auf Ihre Fragen" in text
    assert "seit 29.10.2026, 10:00:00" in text  # a week back, in her time zone
    assert "Queue restart" in text and "Offsite planning" in html
    assert "Vault gossip" not in text and "Vault gossip" not in html
    assert "/wiki/ops/guide/diff?from=1&amp;to=3" in html
    header = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header in text
    path = urlsplit(header).path
    # One click, no sign-in: a confirm page, then the digest is off.
    confirm = client.get(path)
    assert confirm.status_code == 200 and "Unsubscribe" in confirm.get_data(as_text=True)
    assert db.session.get(User, dora.id).email_digest == "weekly"
    done = client.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, dora.id).email_digest == "none"


def test_a_forged_unsubscribe_link_does_nothing(client, world):
    token = mailing.unsubscribe_token(world.dora, "digest")
    assert client.get(f"/unsubscribe/{token[:-2]}xx").status_code == 404
    assert client.post(f"/unsubscribe/{token}x", csrf=False).status_code == 404


def test_send_digests_is_idempotent_per_period(runner, world, clock, users, inbox):
    clock.at(T0 + timedelta(days=1, hours=12))  # the daily digest covers the busy day
    _set(world.dora, digest="daily")
    _set(world.erik, digest="weekly")
    quiet = users.make("quiet")
    _set(quiet, digest="daily")  # nothing new for them: no e-mail at all
    first = runner.invoke(args=["send-digests"])
    assert "sent 2" in first.output and "nothing new 1" in first.output
    assert len(inbox.wait_for(2)) == 2
    again = runner.invoke(args=["send-digests"])
    assert "sent 0" in again.output and "already done 3" in again.output
    time.sleep(0.2)
    assert len(inbox.messages) == 2
    # The next day is a new period for the daily reader only.
    clock.at(clock.now + timedelta(days=1))
    from stream import posts

    posts.create_post(world.erik, "Fresh news for @dora")
    next_day = runner.invoke(args=["send-digests"])
    assert "sent 1" in next_day.output
    assert [m["To"] for m in inbox.wait_for(3)][2] == "dora@example.com"


def test_a_failed_send_is_retried_on_the_next_run(app, runner, world, clock, inbox):
    clock.at(T0 + timedelta(days=1, hours=12))
    _set(world.dora, digest="daily")
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _free_port()  # nobody listens there
    failed = runner.invoke(args=["send-digests"])
    assert "failed 1" in failed.output
    app.config["MAIL_PORT"] = port
    retried = runner.invoke(args=["send-digests"])
    assert "sent 1" in retried.output
    assert len(inbox.wait_for(1)) == 1


def test_notification_mails_go_out_after_commit_to_those_who_opted_in(world, clock, inbox):
    from stream import posts

    _set(world.dora, notifications=True, language="de")
    posts.create_post(world.erik, "@dora @fritz lunch?")  # Fritz did not opt in
    [message] = inbox.wait_for(1)
    assert message["To"] == "dora@example.com"
    parts = _parts(message)
    assert "lunch?" in parts["text/plain"] and "text/html" in parts
    assert "Hallo" in parts["text/plain"]
    assert message["List-Unsubscribe"]
    sent = db.session.scalars(db.select(Notification).where(
        Notification.user_id == world.dora.id, Notification.emailed_at.is_not(None))).all()
    assert len(sent) == 1
    time.sleep(0.2)
    assert len(inbox.messages) == 1


def test_a_write_whose_readers_want_no_mail_leaves_no_read_transaction_open(world, clock):
    """Otherwise the session would keep reading an old snapshot after the write."""
    from stream import posts

    posts.create_post(world.erik, "@fritz lunch?")  # Fritz did not opt in
    assert not db.session().in_transaction()


def test_a_mail_failure_never_breaks_the_write(app, world, clock, inbox, caplog):
    from stream import posts

    _set(world.dora, notifications=True)
    app.config["MAIL_PORT"] = _free_port()
    post = posts.create_post(world.erik, "@dora are you there?")
    assert post.id  # the post is written; the failure is only logged
    deadline = time.monotonic() + 5
    while "sending mail" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "sending mail to dora@example.com failed" in caplog.text


def test_email_settings_in_the_settings_page(client, auth, world):
    auth.login("dora")
    html = client.get("/settings").get_data(as_text=True)
    assert "E-mail me each notification at once" in html and "Weekly" in html
    client.post("/settings/email", data={"notifications": "y", "digest": "daily"})
    db.session.expire_all()
    dora = db.session.get(User, world.dora.id)
    assert dora.email_notifications and dora.email_digest == "daily"
    response = client.post("/settings/email", data={"digest": "hourly"})
    assert "Choose no digest" in " ".join(
        str(m) for m in client.get(response.location).get_data(as_text=True).split("\n"))
    db.session.expire_all()
    assert db.session.get(User, world.dora.id).email_digest == "daily"
