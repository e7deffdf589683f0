"""The SMTP gateway end to end: smtplib -> aiosmtpd -> posts seen over HTTP."""

from __future__ import annotations

import smtplib
import socket

import pytest
from sqlalchemy import func, select

from mailgate.gateway import make_controller
from mailgate.models import MailMessage
from schwarm.extensions import db
from stream.models import Comment, Post
from tests.mailgate.conftest import DOMAIN, make_mail


def wire(mail) -> bytes:
    """The message as it travels over SMTP (CRLF line ends)."""
    return mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gateway(app, people):
    """A running gateway; yields a function that sends one mail and returns the
    server's answer to DATA as (code, text)."""
    controller = make_controller(app, "127.0.0.1", _free_port())
    controller.start()

    def send(mail, *, sender: str | None = None, to: list[str] | None = None):
        envelope_from = sender or str(mail["From"]).split("<")[-1].rstrip(">")
        with smtplib.SMTP(controller.hostname, controller.port, timeout=30) as smtp:
            smtp.sendmail(envelope_from, to or [str(mail["To"])], wire(mail))
        db.session.rollback()  # end the read snapshot: see what the gateway committed

    send.controller = controller
    yield send
    controller.stop()


def _stream(api, user, slug):
    response = api.as_user(user).get(f"/stream?scope=group:{slug}")
    assert response.status_code == 200
    return response.get_json()["items"]


def test_a_mail_to_a_group_address_becomes_a_post_there(gateway, people, api):
    gateway(make_mail("Ben Beta <ben@example.com>", f"board@{DOMAIN}", "Quarterly numbers",
                      "Revenue is up **12%**.\n\nSee you, Ben",
                      message_id="<q1@mail.example.com>"))

    items = _stream(api, people.anna, "board")
    assert len(items) == 1
    post = items[0]
    assert (post["author"], post["group"], post["title"]) == ("ben", "board",
                                                               "Quarterly numbers")
    assert "Revenue is up" in post["body"]
    assert "<strong>12%</strong>" in post["html"]
    record = db.session.scalar(select(MailMessage))
    assert (record.message_id, record.post_id, record.comment_id) == (
        "q1@mail.example.com", post["id"], None)


def test_a_reply_becomes_a_comment_on_the_post_it_answers(gateway, people, api):
    gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", "Trade fair",
                      "Who goes to the fair?", message_id="<fair@example.com>"))
    gateway(make_mail("anna@example.com", f"sales@{DOMAIN}", "Re: Trade fair",
                      "I do.\n\nOn Monday Ben wrote:\n> Who goes to the fair?\n",
                      message_id="<fair-2@example.com>", in_reply_to="<fair@example.com>"))
    # A reply to the reply still lands on the same thread.
    gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", "Re: Re: Trade fair",
                      "Great, thanks!", message_id="<fair-3@example.com>",
                      in_reply_to="<fair-2@example.com>"))

    items = _stream(api, people.ben, "sales")
    assert len(items) == 1
    comments = api.as_user(people.ben).get(f"/posts/{items[0]['id']}/comments").get_json()
    bodies = [(c["author"], c["body"]) for c in comments["items"]]
    # The quoted original under the reply is not repeated in the comment.
    assert bodies == [("anna", "I do."), ("ben", "Great, thanks!")]


def test_html_mail_is_converted_to_markdown_and_sanitised(gateway, people, api):
    gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", "Offer",
                      "plain fallback",
                      html='<p>Our <b>best</b> offer: <a href="javascript:alert(1)">click</a>'
                           '<script>alert(2)</script><img src="https://tracker/x.gif"></p>'))
    db.session.expire_all()
    post = db.session.scalar(select(Post))
    # The plain part is preferred when there is one …
    assert post.body.strip() == "plain fallback"

    html_only = (
        b"From: ben@example.com\r\nTo: sales@lists.example.com\r\nSubject: HTML only\r\n"
        b"Message-ID: <h@example.com>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<h1>Hi</h1><p>Our <b>best</b> offer: <a href=\"javascript:alert(1)\">click</a>"
        b"<script>alert(2)</script><img src=\"https://tracker/x.gif\"></p>\r\n"
    )
    with smtplib.SMTP(gateway.controller.hostname, gateway.controller.port) as smtp:
        smtp.sendmail("ben@example.com", [f"sales@{DOMAIN}"], html_only)
    db.session.rollback()
    post = db.session.scalar(select(Post).where(Post.title == "HTML only"))
    # … and an HTML-only mail becomes Markdown, rendered by the one sanitiser.
    assert "**best**" in post.body
    assert "<strong>best</strong>" in post.body_html
    assert "javascript" not in post.body_html
    assert "<script" not in post.body_html and "alert(2)" not in post.body_html
    assert "tracker" not in post.body_html


def test_attachments_are_listed_by_name_and_size(gateway, people, api):
    gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", "Price list", "Attached.",
                      attachments=[("prices.pdf", b"%PDF" + b"x" * 2044)]))
    post = _stream(api, people.ben, "sales")[0]
    assert "prices.pdf (2.0 kB)" in post["body"]


def test_a_duplicate_message_id_is_accepted_but_ignored(gateway, people):
    mail = make_mail("ben@example.com", f"sales@{DOMAIN}", "Once", "only once",
                     message_id="<once@example.com>")
    gateway(mail)
    gateway(mail)  # no error: the sending server must not retry forever
    assert db.session.scalar(select(func.count(Post.id))) == 1
    assert db.session.scalar(select(func.count(MailMessage.id))) == 1


def test_one_mail_to_two_groups_is_posted_in_each(gateway, people):
    mail = make_mail("ben@example.com", f"sales@{DOMAIN}", "For both", "hi",
                     message_id="<both@example.com>")
    gateway(mail, to=[f"sales@{DOMAIN}", f"board@{DOMAIN}"])
    slugs = sorted(p.group.slug for p in db.session.scalars(select(Post)))
    assert slugs == ["board", "sales"]


@pytest.mark.parametrize("sender, to, code, words", [
    ("stranger@elsewhere.org", f"sales@{DOMAIN}", 550, "no active account"),
    ("dora@example.com", f"sales@{DOMAIN}", 550, "no active account"),
    # A private group answers like an unknown address to those outside it.
    ("carla@example.com", f"board@{DOMAIN}", 550, "no such group address"),
    ("carla@example.com", f"sales@{DOMAIN}", 550, "Join the group"),
    ("ben@example.com", f"nosuchgroup@{DOMAIN}", 550, "no such group address"),
    ("ben@example.com", "sales@other.example.org", 550, "no such group address"),
])
def test_refused_senders_and_addresses_get_a_clear_smtp_error(gateway, people, sender, to,
                                                              code, words):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        gateway(make_mail(sender, to, "Hi", "hello"), sender=sender, to=[to])
    answer_code, answer = refused.value.recipients[to]
    assert answer_code == code
    assert words in answer.decode()
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_a_forged_from_header_is_refused(gateway, people):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        gateway(make_mail("Anna <anna@example.com>", f"sales@{DOMAIN}", "Hi", "hello"),
                sender="ben@example.com")
    assert refused.value.smtp_code == 550
    assert b"does not belong" in refused.value.smtp_error
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_an_oversized_message_is_refused(gateway, people):
    big = make_mail("ben@example.com", f"sales@{DOMAIN}", "Huge", ("x" * 70 + "\n") * 2200)
    # Announced size (ESMTP SIZE) is refused at MAIL FROM …
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        gateway(big)
    assert refused.value.smtp_code == 552
    # … and an unannounced one at the end of DATA.
    with smtplib.SMTP(gateway.controller.hostname, gateway.controller.port) as smtp:
        smtp.ehlo()
        smtp.mail("ben@example.com")
        smtp.rcpt(f"sales@{DOMAIN}")
        code, answer = smtp.data(wire(big))
    assert code == 552
    db.session.rollback()
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_text_the_stream_refuses_is_a_clear_error(gateway, people, app):
    app.config["POST_MAX_BYTES"] = 1000
    with pytest.raises(smtplib.SMTPDataError) as refused:
        gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", "Long", ("y" * 70 + "\n") * 80))
    assert refused.value.smtp_code == 552
    assert b"at most" in refused.value.smtp_error
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_a_reply_to_a_thread_in_another_group_does_not_leak_into_it(gateway, people):
    gateway(make_mail("ben@example.com", f"board@{DOMAIN}", "Secret", "board only",
                      message_id="<secret@example.com>"))
    gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", "Re: Secret", "public reply",
                      message_id="<reply@example.com>", in_reply_to="<secret@example.com>"))
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert sorted(p.group.slug for p in db.session.scalars(select(Post))) == ["board", "sales"]


def test_the_group_page_shows_its_address(client, auth, people):
    auth.login("ben")
    page = client.get("/groups/sales").get_data(as_text=True)
    assert f"sales@{DOMAIN}" in page


def test_no_address_is_shown_without_a_domain(client, auth, people, app):
    app.config["MAIL_LIST_DOMAIN"] = ""
    auth.login("ben")
    assert f"@{DOMAIN}" not in client.get("/groups/sales").get_data(as_text=True)


def test_the_posting_rate_limit_applies_to_mail(gateway, people, app):
    app.config["RATELIMIT_POSTING"] = "2 per minute"
    for n in range(2):
        gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", f"Mail {n}", "hi"))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        gateway(make_mail("ben@example.com", f"sales@{DOMAIN}", "Mail 3", "hi"))
    assert refused.value.smtp_code == 451  # temporary: the sender's server retries
    assert db.session.scalar(select(func.count(Post.id))) == 2


def test_the_address_is_shown_in_german_too(client, auth, people):
    auth.login("ben")  # no language chosen: the browser's wins
    page = client.get("/groups/sales", headers={"Accept-Language": "de"}).get_data(
        as_text=True)
    assert "E-Mail-Adresse dieser Gruppe:" in page


def test_out_of_office_replies_are_not_posted(gateway, people):
    mail = make_mail("ben@example.com", f"sales@{DOMAIN}", "Out of office", "Back Monday")
    mail["Auto-Submitted"] = "auto-replied"
    with pytest.raises(smtplib.SMTPDataError) as refused:
        gateway(mail)
    assert refused.value.smtp_code == 550
    assert b"Automatic replies" in refused.value.smtp_error
    assert db.session.scalar(select(func.count(Post.id))) == 0
