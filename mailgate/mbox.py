"""``schwarm import-mbox``: a mailing-list archive becomes a group's history.

Decisions (documented in the command's help too):

* Threads: a reply (In-Reply-To / References naming a mail already in the group)
  becomes a comment on that thread's post; a reply whose parent is unknown falls
  back to the thread with the same subject without "Re:/AW:/WG:/Fwd:" started in
  this run; everything else becomes a post. Messages are taken in archive order
  (list archives are chronological), so parents come before their replies.
* Authors: a sender whose address belongs to an active account that may post in
  the group is the author. Every other mail is posted by the importing account
  (``--as``, default: the group's first owner). Every imported text starts with
  a marker line "*Imported from mail* · From: Name (address) · date", so the
  original sender stays visible and searchable.
* Dates: ``created_at`` of posts, comments, their first revision and activity
  is the Date header in UTC. Imported history notifies no one.
* Idempotence: the Message-ID (or, without one, a hash of the raw message) is
  recorded per group; a re-run skips what is there ("duplicates").
* Malformed messages (no usable From, missing/unreadable Date, unreadable MIME,
  text the stream refuses) are reported and skipped; bodies in a wrong or
  missing charset are decoded with a fallback (UTF-8, then Windows-1252).
* Speed: one transaction per ``batch_size`` messages, each message inside its
  own savepoint, so a failing message is rolled back alone and never half-written.
  The search outbox rows are written with the content and drained after each batch.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from mailgate.models import MBOX
from mailgate.parsing import Malformed, ParsedMail, parse_mail, thread_subject
from mailgate.services import (
    DUPLICATE,
    POST,
    Delivery,
    deliver,
    find_sender,
    sender_line,
    settle_import,
    thread_post,
)
from schwarm import access
from schwarm.accounts.models import User
from schwarm.db import write_transaction
from schwarm.errors import ServiceError
from schwarm.extensions import db
from schwarm.groups.models import Group
from stream.models import Post


@dataclass
class ImportSummary:
    """What an import did."""

    posts: int = 0
    comments: int = 0
    duplicates: int = 0
    fallback_decoded: int = 0
    malformed: list[tuple[str, str]] = field(default_factory=list)  # (which, why)

    @property
    def total(self) -> int:
        return self.posts + self.comments + self.duplicates + len(self.malformed)


def marker(mail: ParsedMail) -> str:
    """The first line of every imported text."""
    when = mail.date.strftime("%Y-%m-%d %H:%M UTC") if mail.date else ""
    return " · ".join(part for part in ("*Imported from mail*", f"From: {sender_line(mail)}",
                                        when) if part)


class _Importer:
    def __init__(self, group: Group, importer: User, summary: ImportSummary) -> None:
        self.group_id = group.id
        self.importer_id = importer.id
        self.summary = summary
        self.threads: dict[str, int] = {}  # thread subject -> post id (this run)
        self.authors: dict[str, int | None] = {}  # address -> user id allowed to post

    def _author(self, group: Group, address: str) -> User:
        if address not in self.authors:
            user = find_sender(address)
            allowed = user is not None and access.can_post_in_group(user, group)
            self.authors[address] = user.id if allowed else None
        user_id = self.authors[address]
        return db.session.get(User, user_id if user_id is not None else self.importer_id)

    def _parent(self, group: Group, mail: ParsedMail) -> Post | None:
        if not mail.is_reply or thread_post(group, mail.references) is not None:
            return None
        post_id = self.threads.get(thread_subject(mail.subject))
        post = db.session.get(Post, post_id) if post_id else None
        return post if post is not None and post.deleted_at is None else None

    def one(self, number: int, raw: bytes) -> None:
        which = f"message #{number}"
        try:
            mail = parse_mail(raw, require_date=True)
        except Malformed as error:
            self.summary.malformed.append((which, str(error)))
            return
        which = f"message #{number} <{mail.message_id}>"
        if not (mail.text or mail.subject or mail.attachments):
            self.summary.malformed.append((which, "empty message"))
            return
        group = db.session.get(Group, self.group_id)
        try:
            with db.session.begin_nested():
                delivery = deliver(self._author(group, mail.sender_address), group, mail,
                                   source=MBOX, marker=marker(mail),
                                   parent=self._parent(group, mail))
                if delivery.status != DUPLICATE:
                    settle_import(delivery, mail.date)
        except ServiceError as error:
            self.summary.malformed.append((which, error.message))
            return
        self._count(delivery, mail)

    def _count(self, delivery: Delivery, mail: ParsedMail) -> None:
        if delivery.status == DUPLICATE:
            self.summary.duplicates += 1
        elif delivery.status == POST:
            self.summary.posts += 1
        else:
            self.summary.comments += 1
        if delivery.status != DUPLICATE and mail.fallback_decoded:
            self.summary.fallback_decoded += 1
        subject = thread_subject(mail.subject)
        if subject and (delivery.status == POST or delivery.comment_id is None):
            self.threads.setdefault(subject, delivery.post_id)


def count_messages(path: str | Path) -> int:
    """How many messages the archive holds (reads its table of contents)."""
    box = mailbox.mbox(str(path), create=False)
    try:
        return len(box)
    finally:
        box.close()


def import_mbox(path: str | Path, group: Group, importer: User, *, batch_size: int = 200,
                progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import every message of the mbox at ``path`` into ``group``; see the module doc."""
    summary = ImportSummary()
    worker = _Importer(group, importer, summary)
    box = mailbox.mbox(str(path), create=False)
    try:
        keys = iter(enumerate(box.iterkeys(), start=1))
        while chunk := list(islice(keys, batch_size)):
            with write_transaction():
                for number, key in chunk:
                    try:
                        raw = box.get_bytes(key)
                    except Exception as error:  # noqa: BLE001 - a damaged file region
                        summary.malformed.append((f"message #{number}", f"unreadable ({error})"))
                        continue
                    worker.one(number, raw)
            # Committed rows are expired and only weakly held by the session: memory stays flat.
            if progress:
                progress(len(chunk))
    finally:
        box.close()
    return summary
