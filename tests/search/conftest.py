"""Search fixtures: a fake document store (independent of stream and wiki), people
and groups, and the backend parameter for the shared suite.

``docs.add("post", 1, "Title", "Body", group=g)`` stores a document in memory
and enqueues it in a write transaction, exactly like a feature would; the
registered loader reads the store. The fake types reuse the real type names
(post, question, comment, page), replacing those loaders in the test app only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from schwarm.db import write_transaction
from search import SearchDocument, enqueue, register_document_type
from tests.conftest import POSTGRES_URL

FAKE_TYPES = ("post", "question", "comment", "page")
BASE_TIME = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

# The shared suite: every test that takes ``backend`` runs on both engines.
BACKENDS = [
    "whoosh",
    pytest.param("postgres", marks=pytest.mark.skipif(
        not POSTGRES_URL.startswith("postgres"),
        reason="the PostgreSQL backend needs DATABASE_URL=postgresql://...")),
]


class FakeDocs:
    """Documents of the fake types, kept in memory and enqueued like real content."""

    def __init__(self):
        self.items: dict[tuple[str, str], SearchDocument] = {}
        self.clock = 0

    def register(self, app) -> None:
        for doc_type in FAKE_TYPES:
            register_document_type(app, doc_type, self._loader(doc_type), self._ids(doc_type))

    def _loader(self, doc_type):
        def load(ids):
            for doc_id in ids:
                doc = self.items.get((doc_type, str(doc_id)))
                if doc is not None:
                    yield doc
        return load

    def _ids(self, doc_type):
        def all_ids():
            return [i for (t, i) in sorted(self.items) if t == doc_type]
        return all_ids

    def make(self, doc_type: str, doc_id, title: str = "", body: str = "", *, group=None,
             author=None, tags=(), kind=None, created_at=None, extra=None) -> SearchDocument:
        """A document (not stored)."""
        self.clock += 1
        doc_id = str(doc_id)
        url = f"/wiki/{doc_id}" if doc_type == "page" else f"/{doc_type}s/{doc_id}"
        return SearchDocument(
            type=doc_type, id=doc_id, title=title, body=body, url=url,
            created_at=created_at or BASE_TIME + timedelta(minutes=self.clock),
            author=getattr(author, "username", author),
            group_id=getattr(group, "id", group), tags=list(tags),
            kind=kind or ("question" if doc_type == "question" else
                          "update" if doc_type == "post" else None),
            extra=extra or {},
        )

    def add(self, doc_type: str, doc_id, title: str = "", body: str = "", **kwargs):
        """Store and enqueue in one write transaction (drained after commit)."""
        doc = self.make(doc_type, doc_id, title, body, **kwargs)
        with write_transaction():
            self.items[(doc_type, doc.id)] = doc
            enqueue(doc_type, doc.id)
        return doc

    def delete(self, doc_type: str, doc_id) -> None:
        with write_transaction():
            self.items.pop((doc_type, str(doc_id)), None)
            enqueue(doc_type, doc_id, op="delete")


@pytest.fixture
def store() -> FakeDocs:
    """The fake store, independent of any app (survives a simulated restart)."""
    return FakeDocs()


@pytest.fixture
def docs(app, store) -> FakeDocs:
    store.register(app)
    return store


@pytest.fixture
def world(users, docs):
    """anna owns the private "board" (ben is a member) and the public "town";
    carla is in no group; root is an admin."""
    from schwarm.groups import services as groups

    anna = users.make("anna", display_name="Anna Alpha")
    ben = users.make("ben", display_name="Ben Beta")
    carla = users.make("carla", display_name="Carla Gamma")
    root = users.make("root", admin=True, display_name="Root Admin")
    board = groups.create_group(anna, "board", "Board Room", "Vorstand", "private")
    town = groups.create_group(anna, "town", "Town Square", "Everyone", "public")
    groups.add_member(anna, board, ben)
    groups.add_member(anna, town, ben)
    return SimpleNamespace(anna=anna, ben=ben, carla=carla, root=root, board=board, town=town)


def keys(page) -> set[str]:
    """The "type:id" keys of a search page's items."""
    return {f"{item['type']}:{item['id']}" for item in page.items}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The backend of the shared suite (modules opt in by basing ``app_config`` on it)."""
    return request.param
