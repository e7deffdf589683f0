"""The indexing pipeline: the outbox is drained by one writer, after commit.

Writes add :class:`~search.models.IndexOutbox` rows in their own transaction
(:func:`search.enqueue`). After the commit, :func:`drain` tries the backend's
writer lock *without blocking*: if another process holds it, we only leave a
"pending" mark and return — the holder looks for the mark after releasing
and drains again, so no row is stranded and no request waits for the index.
The holder reads rows in id order, asks the registered loaders for the
current state of those documents, applies them in one index commit, and only
then deletes exactly the rows it read. A process killed at any point leaves
its rows in the outbox; :func:`replay` (at start) drains them.

:func:`rebuild` (``schwarm reindex``) builds a complete new index from the
database while the old one keeps serving, holding the writer lock so that
changes arriving meanwhile stay in the outbox; it switches to the new index
and then re-applies those rows.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from itertools import islice

from flask import current_app
from sqlalchemy import delete, exists, select

from schwarm.extensions import db
from search.backend import Backend
from search.documents import SearchDocument, doc_key, document_types
from search.models import IndexOutbox

log = logging.getLogger(__name__)

DRAIN_BATCH = 500
REBUILD_BATCH = 500
_draining: contextvars.ContextVar[bool] = contextvars.ContextVar("draining", default=False)
_BACKEND = "schwarm.search.backend"


def get_backend(app=None) -> Backend:
    """The configured backend of ``app`` (default: current), created on first use."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get(_BACKEND)
    if backend is None:
        name = app.config.get("SEARCH_BACKEND", "whoosh")
        if name == "postgres":
            from search.pg_backend import PostgresBackend

            backend = PostgresBackend()
        elif name == "whoosh":
            from search.whoosh_backend import WhooshBackend

            backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
        else:
            raise RuntimeError(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {name!r}")
        app.extensions[_BACKEND] = backend
    return backend


def load(changes: dict[tuple[str, str], str]) -> tuple[list[SearchDocument], list[str]]:
    """Current documents for changed (type, id) pairs, and the keys to delete."""
    types = document_types()
    by_type: dict[str, list[str]] = {}
    for (doc_type, doc_id), op in changes.items():
        if op == "upsert":
            by_type.setdefault(doc_type, []).append(doc_id)
    docs: dict[str, SearchDocument] = {}
    for doc_type, ids in by_type.items():
        loader, _ = types[doc_type]
        for doc in loader(ids):
            docs[doc.key] = doc
    deletes = [doc_key(t, i) for (t, i) in changes if doc_key(t, i) not in docs]
    return list(docs.values()), deletes


def _drain_locked(backend: Backend, batch: int = DRAIN_BATCH) -> int:
    """Apply outbox rows until none are left; the writer lock is held. Returns rows done."""
    known = sorted(document_types())
    done = 0
    while True:
        backend.clear_pending()
        rows = db.session.execute(
            select(IndexOutbox.id, IndexOutbox.doc_type, IndexOutbox.doc_id, IndexOutbox.op)
            .where(IndexOutbox.doc_type.in_(known))
            .order_by(IndexOutbox.id)
            .limit(batch)
        ).all()
        if not rows:
            db.session.rollback()  # end the read transaction
            return done
        changes: dict[tuple[str, str], str] = {}
        for _, doc_type, doc_id, op in rows:
            changes.pop((doc_type, doc_id), None)
            changes[(doc_type, doc_id)] = op  # the last change of a document wins
        docs, deletes = load(changes)
        ids = [row[0] for row in rows]
        db.session.rollback()  # end the read transaction before anyone writes

        def finalize(connection=None, ids=ids) -> None:
            # Only the rows we read and applied; a new change of the same document
            # committed meanwhile has its own row and will be applied next. A
            # transactional backend passes its connection: index and outbox commit
            # together.
            statement = delete(IndexOutbox).where(IndexOutbox.id.in_(ids))
            if connection is not None:
                connection.execute(statement)
                return
            with db.engine.begin() as own:
                own.execute(statement)

        backend.apply(docs, deletes, finalize)
        done += len(rows)
        if len(rows) < batch:
            # Rows committed after our read marked "pending" before trying the lock.
            return done


def has_waiting_rows() -> bool:
    """Whether the outbox holds rows of a registered type (ends its read transaction)."""
    known = sorted(document_types())
    found = db.session.scalar(select(exists().where(IndexOutbox.doc_type.in_(known))))
    db.session.rollback()
    return bool(found)


def drain() -> int:
    """Apply waiting index changes if no other process is doing so. Never blocks.

    Returns how many outbox rows this call applied (0 if another writer holds
    the lock; it will apply ours).
    """
    if _draining.get():
        return 0  # called from our own transaction's after-commit hook
    token = _draining.set(True)
    # A context of our own: a session of our own, so the caller's objects are untouched.
    app = current_app._get_current_object()
    try:
        with app.app_context():
            return _drain_loop(get_backend(app))
    finally:
        _draining.reset(token)


def _drain_loop(backend: Backend) -> int:
    done = 0
    while True:
        backend.mark_pending()
        with backend.writer_lock() as held:
            if not held:
                return done
            if not backend.is_ready():
                _rebuild_locked(backend, REBUILD_BATCH, None)
            done += _drain_locked(backend)
        if not (backend.take_pending() and has_waiting_rows()):
            return done


def replay() -> int:
    """At start: make sure an index exists and apply what a dead process left behind."""
    try:
        return drain()
    except Exception:
        # Never keep the app from starting; the rows stay for the next drain.
        log.exception("replaying the search outbox failed")
        return 0


def _all_batches(batch_size: int,
                 progress: Callable[[int], None] | None) -> Iterator[list[SearchDocument]]:
    for _, (loader, all_ids) in sorted(document_types().items()):
        ids = iter(all_ids())
        while chunk := [str(i) for i in islice(ids, batch_size)]:
            docs = list(loader(chunk))
            db.session.expunge_all()  # keep memory flat over a million documents
            yield docs
            if progress is not None:
                progress(len(chunk))


def count_documents() -> int:
    """How many ids the registered types would index (for the progress bar)."""
    total = 0
    for _, all_ids in document_types().values():
        total += sum(1 for _ in all_ids())
    db.session.rollback()
    return total


def _rebuild_locked(backend: Backend, batch_size: int,
                    progress: Callable[[int], None] | None, processes: int = 1) -> int:
    indexed = sum(backend.rebuild(_all_batches(batch_size, progress), processes=processes))
    db.session.rollback()
    return indexed


def rebuild(batch_size: int = REBUILD_BATCH, progress: Callable[[int], None] | None = None,
            wait: float = 600.0, processes: int = 1) -> int:
    """Rebuild the whole index from the database; the old one serves meanwhile.

    Waits up to ``wait`` seconds for a running drain to finish, then holds the
    writer lock: changes committed during the rebuild stay in the outbox and
    are applied to the new index right after the switch. Returns the number of
    documents indexed. ``processes`` > 1 lets the backend analyse in worker
    processes; only commands pass it (a forked copy of a threaded server
    process could inherit a lock held by another thread).
    """
    app = current_app._get_current_object()
    backend = get_backend(app)
    token = _draining.set(True)
    try:
        with app.app_context(), backend.writer_lock(blocking=True, timeout=wait) as held:
            if not held:
                raise TimeoutError("another process holds the search index lock")
            indexed = _rebuild_locked(backend, batch_size, progress, processes)
            _drain_locked(backend)
    finally:
        _draining.reset(token)
    drain()  # anything marked while we held the lock
    return indexed
