"""Stream fixtures: three colleagues, a private and a public group, a post helper."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from schwarm.extensions import db


@pytest.fixture
def people(users):
    """anna (owns the groups), ben (member of both), carla (in no group), root (admin)."""
    from schwarm.groups import services as groups

    anna = users.make("anna", display_name="Anna Alpha")
    ben = users.make("ben", display_name="Ben Beta")
    carla = users.make("carla", display_name="Carla Gamma")
    root = users.make("root", admin=True, display_name="Root Admin")
    board = groups.create_group(anna, "board", "Board Room", "", "private")
    town = groups.create_group(anna, "town", "Town Square", "", "public")
    groups.add_member(anna, board, ben)
    groups.add_member(anna, town, ben)
    return SimpleNamespace(anna=anna, ben=ben, carla=carla, root=root, board=board, town=town)


@pytest.fixture
def post(people):
    """``post(author, body, group=None, **kw)`` through the service."""
    from stream import posts

    def make(author, body, group=None, **kwargs):
        return posts.create_post(author, body, group=group, **kwargs)

    return make


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[str, str, str]]:
    """Every ``search.enqueue(doc_type, id, op)`` call the stream makes, in order.

    Recorded at the call, because the outbox rows themselves are drained into
    the index right after each commit.
    """
    import search

    calls: list[tuple[str, str, str]] = []
    original = search.enqueue

    def record(doc_type, doc_id, op="upsert"):
        calls.append((doc_type, str(doc_id), op))
        return original(doc_type, doc_id, op)

    monkeypatch.setattr(search, "enqueue", record)
    return calls


def fresh(obj):
    """The object re-read from the database."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
