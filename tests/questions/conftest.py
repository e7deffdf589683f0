"""Q&A fixtures: an asker, experts in and out of a private group, group owners, an
admin; a question helper; a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from schwarm.extensions import db


@pytest.fixture
def app_config() -> dict:
    # Working hours in UTC keep the expected times readable.
    return {"QUESTION_WORKING_TIMEZONE": "UTC", "QUESTION_ESCALATION_FALLBACK": "helpdesk"}


@pytest.fixture
def people(users):
    """ben asks; dana (vpn, in both groups) and eve (vpn, in no group) are experts;
    olga owns the public group "it" and the private group "sec"; root is an admin;
    helpdesk is the fallback for escalations."""
    from schwarm.groups import services as groups

    olga = users.make("olga", display_name="Olga Owner")
    ben = users.make("ben", display_name="Ben Beta")
    dana = users.make("dana", display_name="Dana Delta", expertise=["vpn", "network"])
    eve = users.make("eve", display_name="Eve Epsilon", expertise=["vpn"])
    carla = users.make("carla", display_name="Carla Gamma")
    root = users.make("root", admin=True, display_name="Root Admin")
    helpdesk = users.make("helpdesk", display_name="Help Desk")
    it = groups.create_group(olga, "it", "IT Help", "", "public")
    sec = groups.create_group(olga, "sec", "Security", "", "private")
    for group in (it, sec):
        groups.add_member(olga, group, ben)
        groups.add_member(olga, group, dana)
    return SimpleNamespace(olga=olga, ben=ben, dana=dana, eve=eve, carla=carla, root=root,
                           helpdesk=helpdesk, it=it, sec=sec)


@pytest.fixture
def ask(people):
    """``ask(author, title, body="...", tags=["vpn"], group=None)`` through the stream."""
    from stream import posts

    def make(author, title, body="Details follow.", tags=("vpn",), group=None):
        return posts.create_post(author, body, group=group, kind="question", title=title,
                                 tags=list(tags))

    return make


class Clock:
    """``clock.set(datetime)``; ``clock.advance(hours=2)``."""

    def __init__(self):
        self.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a Friday, 15:00 UTC

    def __call__(self):
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    import schwarm.db

    fake = Clock()
    monkeypatch.setattr(schwarm.db, "clock", fake)
    return fake


def fresh(obj):
    """The object re-read from the database."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def notified(user, kind: str | None = None) -> list:
    """The notifications ``user`` has (of ``kind``)."""
    from sqlalchemy import select

    from schwarm.notifications.models import Notification

    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))
