"""A separate process for the crash and concurrency tests (not a test module).

``python -m tests.search.worker MODE INSTANCE DB_URI BACKEND [ARGS...]`` builds an
app on the given database and index, registers :func:`load` for type "page"
(documents are derived from their ids, so every process agrees on them) and:

* ``write N PREFIX`` — N write transactions, each enqueuing one page; each
  drains after commit like a request would.
* ``hang-in-loader N`` — enqueue N pages without draining, then drain with a
  loader that signals and sleeps (the test kills us there).
* ``hang-after-index`` N — enqueue N pages, drain, and stop after the index
  commit but before the outbox rows are deleted (the test kills us there).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from schwarm import create_app
from schwarm.db import write_transaction
from search import SearchDocument, enqueue, register_document_type

CREATED = datetime(2024, 1, 1, tzinfo=UTC)


def document(doc_id: str) -> SearchDocument:
    """The page every process builds for ``doc_id``."""
    return SearchDocument(type="page", id=doc_id, title=f"Seite {doc_id}",
                          body=f"Absturzsicher Nummer {doc_id}", url=f"/wiki/{doc_id}",
                          created_at=CREATED)


def load(ids):
    return [document(i) for i in ids]


def all_ids():
    return []


def make(instance: str, uri: str, backend: str, **config):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": instance,
                      "SEARCH_INDEX_DIR": str(Path(instance) / "index"),
                      "SQLALCHEMY_DATABASE_URI": uri, "SEARCH_BACKEND": backend, **config})
    register_document_type(app, "page", load, all_ids)
    return app


def main(mode: str, instance: str, uri: str, backend: str, *args: str) -> None:
    signal = Path(instance) / "signal"
    if mode == "write":
        count, prefix = int(args[0]), args[1]
        app = make(instance, uri, backend)
        with app.app_context():
            for i in range(count):
                with write_transaction():
                    enqueue("page", f"{prefix}-{i}")
        return
    app = make(instance, uri, backend, SEARCH_DRAIN_AFTER_REQUEST=False)
    with app.app_context():
        for i in range(int(args[0])):
            with write_transaction():
                enqueue("page", f"k-{i}")
        from search import indexing

        if mode == "hang-in-loader":
            def hanging(ids):
                signal.touch()
                time.sleep(60)
                return load(ids)

            register_document_type(app, "page", hanging, all_ids)
        elif mode == "hang-after-index":
            backend_object = indexing.get_backend(app)
            apply = backend_object.apply

            def hanging_apply(docs, deletes, finalize):
                def never(connection=None):
                    signal.touch()
                    time.sleep(60)

                # Whoosh: the index is committed, the rows are not deleted yet.
                # PostgreSQL: one transaction; the kill rolls both back together.
                return apply(docs, deletes, never)

            backend_object.apply = hanging_apply
        indexing.drain()


if __name__ == "__main__":
    main(*sys.argv[1:])
