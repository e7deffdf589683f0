"""Catch-up fixtures: a controllable clock and a week of company life around Dora."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

import schwarm.db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Dora's last visit before her holiday


class Clock:
    """``clock.now`` is what ``schwarm.db.utcnow()`` returns; ``clock.at(t)`` moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(T0 - timedelta(days=3))
    monkeypatch.setattr(schwarm.db, "clock", fake)
    return fake


@pytest.fixture
def world(app, users, clock):
    """Before T0: Dora (expertise #ops, in the private team and the public town)
    asked a question and wrote a wiki page. Then she left for a holiday; while
    she was away (T0 + 1 day) the company went on: see the assertions."""
    from schwarm.groups import services as groups
    from stream import comments, posts
    from wiki import services as wiki

    dora = users.make("dora", display_name="Dora Dunkel", expertise=["ops"])
    erik = users.make("erik", display_name="Erik Eich")
    fritz = users.make("fritz", display_name="Fritz Fink")
    team = groups.create_group(erik, "team", "Team", "", "private")
    town = groups.create_group(erik, "town", "Town", "", "public")
    vault = groups.create_group(erik, "vault", "Vault", "", "private")
    for group in (team, town):
        groups.add_member(erik, group, dora)
    groups.add_member(erik, team, fritz)
    groups.add_member(erik, vault, fritz)
    question = posts.create_post(dora, "How do we restart the queue? #ops", kind="question",
                                 title="Queue restart")
    old_mention = posts.create_post(erik, "Old news for @dora")
    wiki.save_page(dora, "ops/guide", title="Ops guide", body="Step one.")

    clock.at(T0 + timedelta(days=1))
    mention = posts.create_post(erik, "@dora please review the rollout plan")
    for author, text in ((erik, "Try systemctl."), (fritz, "Or the admin page."),
                         (erik, "Both work.")):
        comments.add_comment(author, question, text)
    new_q = posts.create_post(erik, "Which ports does the proxy need? #ops", kind="question",
                              title="Proxy ports")
    hidden_q = posts.create_post(fritz, "Vault access? #ops", kind="question",
                                 title="Vault access", group=vault)
    page = wiki.find_page("ops/guide")
    wiki.save_page(erik, "ops/guide", title="Ops guide", body="Step one.\nStep two.",
                   base_revision=page.current_revision, summary="step two")
    page = wiki.find_page("ops/guide")
    wiki.save_page(fritz, "ops/guide", title="Ops guide", body="Step one.\nStep two.\nDone.",
                   base_revision=page.current_revision)
    busy = posts.create_post(erik, "Offsite planning", group=team)
    quiet = posts.create_post(erik, "Lunch menu", group=town)
    secret = posts.create_post(fritz, "Vault gossip", group=vault)
    for i in range(4):
        comments.add_comment(fritz if i % 2 else erik, busy, f"idea {i}")
    comments.add_comment(fritz, quiet, "pizza")
    for i in range(6):
        comments.add_comment(fritz, secret, f"psst {i}")
    clock.at(T0 + timedelta(days=3))
    return SimpleNamespace(dora=dora, erik=erik, fritz=fritz, question=question,
                           old_mention=old_mention, mention=mention, new_q=new_q,
                           hidden_q=hidden_q, busy=busy, quiet=quiet, secret=secret)
