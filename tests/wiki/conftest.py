"""Wiki test helpers: pages written through the service, as a given user."""

from __future__ import annotations

import pytest


class Wiki:
    """``wiki.save(anna, "a/b", "Body")`` creates or edits a page through the service."""

    def save(self, user, path, body, *, title=None, summary="", base=None, group=None):
        from wiki import services

        if base is None:
            from wiki.services import find_page

            page = find_page(services.clean_path(path))
            if page is not None:
                base = page.current_revision
        return services.save_page(user, path, title=title or path.rsplit("/", 1)[-1].title(),
                                  body=body, summary=summary, base_revision=base, group=group)

    def create(self, user, path, body, *, title=None, summary="", group=None):
        from wiki import services

        return services.save_page(user, path, title=title or path.rsplit("/", 1)[-1].title(),
                                  body=body, summary=summary, base_revision=None, group=group)


@pytest.fixture
def wiki(app) -> Wiki:
    return Wiki()


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[str, str, str]]:
    """Records (doc_type, doc_id, op) of every search.enqueue call (which still runs)."""
    import search

    calls: list[tuple[str, str, str]] = []
    original = search.enqueue

    def record(doc_type, doc_id, op="upsert"):
        calls.append((doc_type, str(doc_id), op))
        return original(doc_type, doc_id, op)

    monkeypatch.setattr(search, "enqueue", record)
    return calls
