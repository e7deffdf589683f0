"""Draining off the request: a write answers without waiting for the index, the
background thread indexes it moments later, bursts share one drain, and a
failing drain loses nothing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from schwarm.extensions import db
from search import background, register_document_type, services
from search.models import IndexOutbox
from stream import search_docs


@pytest.fixture
def app_config():
    return {"SEARCH_DRAIN_IN_BACKGROUND": True}


@pytest.fixture
def drainer(app):
    found = background.drainer(app)
    yield found
    background.stop(app)


@pytest.fixture
def gate(app):
    """The post loader waits at this gate (set: open) and counts its calls."""
    opened = threading.Event()
    calls: list[list[str]] = []

    def load(ids):
        calls.append(list(ids))
        assert opened.wait(30), "the test never opened the gate"
        return search_docs.load_posts(ids)

    register_document_type(app, "post", load, search_docs.all_post_ids)
    opened.calls = calls
    return opened


def outbox_rows() -> int:
    db.session.rollback()  # a fresh snapshot: the drainer deleted rows in its own session
    count = db.session.scalar(select(func.count()).select_from(IndexOutbox))
    db.session.rollback()
    return count


def found(user, word: str) -> int:
    db.session.rollback()
    return services.search(user, word).total


def test_a_post_answers_before_it_is_indexed_and_is_found_moments_later(
        users, api, drainer, gate):
    anna = users.make("anna")
    response = api.as_user(anna).post("/posts", json={"body": "Quartalszahlen sind da"})
    assert response.status_code == 201  # answered while the drainer waits at the gate
    assert found(anna, "Quartalszahlen") == 0
    gate.set()
    assert drainer.wait_idle(10)
    assert found(anna, "Quartalszahlen") == 1
    assert outbox_rows() == 0


def test_writes_during_a_drain_are_batched_into_the_next_one(users, api, drainer, gate):
    anna = users.make("anna")
    author = api.as_user(anna)
    assert author.post("/posts", json={"body": "erster Beitrag"}).status_code == 201
    for n in range(5):  # arrive while the first drain waits at the gate
        assert author.post("/posts", json={"body": f"Nachzügler {n}"}).status_code == 201
    gate.set()
    assert drainer.wait_idle(10)
    assert found(anna, "Nachzügler") == 5
    assert len(gate.calls) <= 2  # the first post alone, then the five together
    assert sum(len(ids) for ids in gate.calls) == 6


def test_a_failing_drain_keeps_the_rows_and_the_next_write_retries(app, users, api, drainer):
    anna = users.make("anna")
    failures = []

    def broken(ids):
        failures.append(ids)
        raise RuntimeError("the loader is broken")

    register_document_type(app, "post", broken, search_docs.all_post_ids)
    author = api.as_user(anna)
    assert author.post("/posts", json={"body": "Ausfallsicher"}).status_code == 201
    assert drainer.wait_idle(10) and failures
    assert outbox_rows() == 1 and found(anna, "Ausfallsicher") == 0

    register_document_type(app, "post", search_docs.load_posts, search_docs.all_post_ids)
    assert author.post("/posts", json={"body": "zweiter Versuch"}).status_code == 201
    assert drainer.wait_idle(10)
    assert outbox_rows() == 0
    assert found(anna, "Ausfallsicher") == 1 and found(anna, "Versuch") == 1


def test_writes_outside_a_request_still_drain_inline(users, drainer):
    from stream.posts import create_post

    anna = users.make("anna")
    create_post(anna, "Kommandozeile")  # as a CLI command would
    assert found(anna, "Kommandozeile") == 1
    assert drainer.wait_idle(0)  # the thread was never needed


def test_stop_ends_the_thread(users, api, drainer):
    anna = users.make("anna")
    assert api.as_user(anna).post("/posts", json={"body": "hallo"}).status_code == 201
    assert drainer.wait_idle(10)
    thread = drainer._thread
    drainer.stop()
    thread.join(5)
    assert not thread.is_alive()
