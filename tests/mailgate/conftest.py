"""Mail fixtures: colleagues in a private and a public group, a configured list
domain, and a mail builder."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from types import SimpleNamespace

import pytest

DOMAIN = "lists.example.com"


@pytest.fixture
def app_config():
    return {"MAIL_LIST_DOMAIN": DOMAIN, "MAIL_GATEWAY_MAX_BYTES": 100_000}


@pytest.fixture
def people(users):
    """anna owns both groups; ben is in both; carla is in none; dora was deactivated."""
    from schwarm.accounts.admin import deactivate
    from schwarm.groups import services as groups

    anna = users.make("anna", display_name="Anna Alpha")
    ben = users.make("ben", display_name="Ben Beta")
    carla = users.make("carla", display_name="Carla Gamma")
    dora = users.make("dora", display_name="Dora Delta")
    board = groups.create_group(anna, "board", "Board Room", "", "private")
    sales = groups.create_group(anna, "sales", "Sales", "", "public")
    groups.add_member(anna, board, ben)
    groups.add_member(anna, sales, ben)
    groups.add_member(anna, sales, dora)
    root = users.make("root", admin=True, display_name="Root Admin")
    deactivate(root, dora)
    return SimpleNamespace(anna=anna, ben=ben, carla=carla, dora=dora, root=root, board=board,
                           sales=sales)


def make_mail(sender: str, to: str, subject: str, body: str = "Hello", *,
              message_id: str | None = None, in_reply_to: str | None = None,
              html: str | None = None, date=None,
              attachments: list[tuple[str, bytes]] = ()) -> EmailMessage:
    """A mail as a mail program would send it."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    if date is not None:
        mail["Date"] = format_datetime(date)
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for name, data in attachments:
        mail.add_attachment(data, maintype="application", subtype="octet-stream",
                            filename=name)
    return mail
