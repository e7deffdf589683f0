"""``schwarm import-mbox``: threads, dates, authors, idempotence, malformed input."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from mailgate.mbox import import_mbox
from mailgate.models import MailMessage
from schwarm.activities import Activity
from schwarm.extensions import db
from schwarm.notifications.models import Notification
from stream.models import Comment, Post
from tests.mailgate.conftest import make_mail

START = datetime(2015, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def _archive(tmp_path, messages) -> str:
    """An mbox file holding ``messages`` (EmailMessage or raw bytes)."""
    path = tmp_path / "list.mbox"
    box = mailbox.mbox(str(path))
    for message in messages:
        box.add(message)
    box.flush()
    box.close()
    return str(path)


def _thread(tmp_path):
    return _archive(tmp_path, [
        make_mail("Ben Beta <ben@example.com>", "sales@old-list", "Price list 2015",
                  "The new prices are attached. #pricing", message_id="<p1@old>",
                  date=START),
        make_mail("Max Extern <max@customer.example>", "sales@old-list",
                  "Re: Price list 2015", "Thanks Ben!\n\n> The new prices",
                  message_id="<p2@old>", in_reply_to="<p1@old>",
                  date=START + timedelta(hours=2)),
        make_mail("anna@example.com", "sales@old-list", "AW: Price list 2015",
                  "Looks good.", message_id="<p3@old>", date=START + timedelta(days=1)),
        make_mail("dora@example.com", "sales@old-list", "Kick-off",
                  "Kick-off on Monday", message_id="<k1@old>",
                  date=START + timedelta(days=2)),
    ])


def test_threads_become_posts_with_comments_keeping_dates_and_senders(tmp_path, people):
    summary = import_mbox(_thread(tmp_path), people.sales, people.anna)

    assert (summary.posts, summary.comments, summary.duplicates, summary.malformed) == (
        2, 2, 0, [])
    price, kickoff = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert price.title == "Price list 2015"
    assert price.author == people.ben  # the address belongs to a member
    assert price.created_at == START.astimezone(UTC)
    assert "*Imported from mail*" in price.body
    assert "pricing" in price.tags
    replies = db.session.scalars(select(Comment).where(Comment.post_id == price.id)
                                 .order_by(Comment.id)).all()
    # An outsider's reply is posted by the importing account, with the sender shown;
    # "AW:" without References joins the thread by its subject.
    assert [c.author.username for c in replies] == ["anna", "anna"]
    assert "Max Extern (max@customer.example)" in replies[0].body
    assert "&gt; The new prices" not in replies[0].body_html
    assert replies[0].created_at == (START + timedelta(hours=2)).astimezone(UTC)
    assert price.comment_count == 2
    # A deactivated colleague's mail stays, attributed by the From line.
    assert kickoff.author == people.anna
    assert "Dora Delta" not in kickoff.body and "dora@example.com" in kickoff.body
    # Activities carry the original dates; history notifies no one.
    dates = db.session.scalars(select(Activity.created_at).where(
        Activity.object_type == "post", Activity.object_id == str(price.id))).all()
    assert dates == [START.astimezone(UTC)]
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.object_type.in_(("post", "comment")))) == 0


def test_a_second_run_imports_nothing_twice(tmp_path, people):
    path = _thread(tmp_path)
    import_mbox(path, people.sales, people.anna)
    again = import_mbox(path, people.sales, people.anna)
    assert (again.posts, again.comments, again.duplicates) == (0, 0, 4)
    assert db.session.scalar(select(func.count(Post.id))) == 2
    assert db.session.scalar(select(func.count(Comment.id))) == 2
    assert db.session.scalar(select(func.count(MailMessage.id))) == 4


def test_malformed_messages_are_reported_and_skipped(tmp_path, people):
    latin1 = (b"From: ben@example.com\nDate: Mon, 2 Mar 2015 10:00:00 +0100\n"
              b"Subject: Umlaute\nMessage-ID: <latin@old>\n\n"
              b"Gr\xfc\xdfe aus M\xfcnchen\n")
    no_date = (b"From: ben@example.com\nSubject: When?\nMessage-ID: <nodate@old>\n\nno date\n")
    bad_date = (b"From: ben@example.com\nDate: yesterday-ish\nSubject: Bad\n\nbad date\n")
    no_sender = (b"From: undisclosed\nDate: Mon, 2 Mar 2015 10:00:00 +0100\n"
                 b"Subject: Who?\n\nnobody\n")
    bogus_charset = (b"From: ben@example.com\nDate: Tue, 3 Mar 2015 10:00:00 +0000\n"
                     b"Subject: =?x-unknown?q?broken?=\nMessage-ID: <bogus@old>\n"
                     b"Content-Type: text/plain; charset=x-no-such-charset\n\n"
                     b"caf\xc3\xa9 ok\n")
    empty = (b"From: ben@example.com\nDate: Tue, 3 Mar 2015 11:00:00 +0000\n"
             b"Message-ID: <empty@old>\n\n\n")
    summary = import_mbox(_archive(tmp_path, [latin1, no_date, bad_date, no_sender,
                                              bogus_charset, empty]),
                          people.sales, people.anna)

    assert (summary.posts, summary.comments) == (2, 0)
    reasons = dict(summary.malformed)
    assert len(summary.malformed) == 4
    assert "Date" in reasons["message #2"] and "Date" in reasons["message #3"]
    assert "From" in reasons["message #4"]
    assert "empty" in next(why for which, why in summary.malformed if "#6" in which)
    bodies = db.session.scalars(select(Post.body).order_by(Post.id)).all()
    assert "Grüße aus München" in bodies[0]
    assert "café ok" in bodies[1]
    assert summary.fallback_decoded == 2


def test_one_failing_message_does_not_spoil_its_batch(tmp_path, people, app):
    app.config["POST_MAX_BYTES"] = 2000
    messages = [make_mail("ben@example.com", "x@old", f"Note {n}",
                          ("long line of text\n" * 300) if n == 2 else f"note {n}",
                          message_id=f"<n{n}@old>", date=START + timedelta(minutes=n))
                for n in range(5)]
    summary = import_mbox(_archive(tmp_path, messages), people.sales, people.anna,
                          batch_size=10)
    assert summary.posts == 4
    assert [which for which, _ in summary.malformed] == ["message #3 <n2@old>"]
    titles = db.session.scalars(select(Post.title).order_by(Post.id)).all()
    assert titles == ["Note 0", "Note 1", "Note 3", "Note 4"]
    assert db.session.scalar(select(func.count(MailMessage.id))) == 4


def test_imported_mail_is_found_by_search(tmp_path, people, api):
    path = _archive(tmp_path, [make_mail("ben@example.com", "x@old", "Zeppelin",
                                         "The Zeppelinflug was a success",
                                         message_id="<z@old>", date=START)])
    import_mbox(path, people.sales, people.anna)
    found = api.as_user(people.ben).get("/search?q=zeppelinflug").get_json()
    assert [item["type"] for item in found["items"]] == ["post"]


def test_the_command_shows_progress_and_a_summary(tmp_path, people, runner):
    path = _thread(tmp_path)
    result = runner.invoke(args=["import-mbox", path, "--group", "sales"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 posts and 2 comments; skipped 0 duplicates and 0 malformed" in (
        result.output)
    again = runner.invoke(args=["import-mbox", path, "--group", "sales", "--as", "ben"])
    assert "Imported 0 posts and 0 comments; skipped 4 duplicates" in again.output


@pytest.mark.parametrize("args, message", [
    (["--group", "nosuch"], "No group 'nosuch'"),
    (["--group", "sales", "--as", "carla"], "may post in 'sales'"),
])
def test_the_command_refuses_bad_targets(tmp_path, people, runner, args, message):
    result = runner.invoke(args=["import-mbox", _thread(tmp_path), *args])
    assert result.exit_code != 0
    assert message in result.output
