"""Full-text search over everything: index backends, the outbox, queries.

The public interface for other packages: :func:`enqueue`,
:func:`register_document_type`, :class:`SearchDocument` (see ``documents.py``),
and :func:`search`, :func:`similar`, :func:`suggest` (see ``services.py``).

How it fits together:

* **Indexing** (``indexing.py``): writes add outbox rows in their own
  transaction; after commit (on a background thread for requests,
  ``background.py``) one writer (a non-blocking lock) asks the
  registered loaders for the current documents and applies them; rows are
  deleted only after the index commit; under ``schwarm serve`` an indexer
  process does the draining for all workers (``indexer.py``). ``schwarm reindex`` rebuilds from the
  database while the old index serves. Users and groups are enqueued by a
  session listener (``loaders.py``) because the core does not import search.
* **Queries** (``query.py``): documented fields only (``author:``, ``tag:``,
  ``group:``, ``type:``, ``"phrase"``, ``-word``); everything else is plain
  text; no query parser ever sees user input. Words are analysed in German
  and English (``analysis.py``); every word must match in either analysis.
* **Permissions** (``services.scope_for``): the viewer's visible groups come
  from :mod:`schwarm.access` on every query, and the backend filters inside
  the engine, so results, totals, facets, snippets, suggestions and "did you
  mean" only reflect what the viewer may see.
* **Backends**: Whoosh (``whoosh_backend.py``, default) and PostgreSQL
  (``pg_backend.py``, ``SEARCH_BACKEND=postgres``), one interface
  (``backend.py``), one shared test suite.

Limits worth knowing: relevance pages go by offset up to 1,000 results (date
order uses a (created_at, key) cursor without limit); on Whoosh, when more
than 1,500 documents match, relevance is computed among the 500 newest
matches with a query word in their title plus the 1,000 newest matches
(``whoosh_sets.py``); queries are capped at 500 characters and 32 words.

Nothing here touches the database, the index or the file system on import or
in :func:`init_app`; the index is opened on first use.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, has_request_context

from search.documents import SearchDocument, enqueue, register_document_type

__all__ = [
    "SearchDocument",
    "enqueue",
    "init_app",
    "register_document_type",
    "search",
    "similar",
    "suggest",
]

_REPLAYED = "schwarm.search.replayed"
_replay_lock = threading.Lock()


def search(viewer, q: str = "", **kwargs):
    """See :func:`search.services.search`."""
    from search import services

    return services.search(viewer, q, **kwargs)


def similar(viewer, text: str, types: tuple[str, ...] = ("question", "page"), limit: int = 5):
    """See :func:`search.services.similar`."""
    from search import services

    return services.similar(viewer, text, types=types, limit=limit)


def suggest(viewer, prefix: str, limit: int = 8):
    """See :func:`search.services.suggest`."""
    from search import services

    return services.suggest(viewer, prefix, limit=limit)


def _after_commit() -> None:
    """After a write that enqueued something: drain the outbox (never blocks on
    the index). In a request the drain runs on the background thread, so the
    answer does not wait for an index commit (``SEARCH_DRAIN_IN_BACKGROUND``)."""
    from schwarm.extensions import db
    from search.documents import take_enqueued
    from search.indexing import drain

    config = current_app.config
    if not (take_enqueued(db.session) and config.get("SEARCH_DRAIN_AFTER_REQUEST", True)):
        return
    if has_request_context() and config.get("SEARCH_DRAIN_IN_BACKGROUND", True):
        from search.background import drainer
        from search.indexer import indexer_alive

        app = current_app._get_current_object()
        if indexer_alive(app):
            return  # the indexer process polls the outbox (``indexer.py``)
        drainer(app).wake()
    else:
        drain()


def _init_hook() -> None:
    """``schwarm init`` and app start: create the index if needed, replay the outbox."""
    from search.indexing import replay

    current_app.extensions[_REPLAYED] = True
    replay()


def _replay_once() -> None:
    """At a process's first request: apply what a killed process left in the outbox."""
    app = current_app._get_current_object()
    if app.extensions.get(_REPLAYED):
        return
    with _replay_lock:
        if app.extensions.get(_REPLAYED):
            return
        app.extensions[_REPLAYED] = True
    from search.indexing import replay

    replay()


def _index_health() -> None:
    """/healthz: the index can be opened and searched (raises if not)."""
    from search.indexing import get_backend

    if not get_backend().is_ready():
        raise RuntimeError("the search index is missing or being rebuilt")


def init_app(app: Flask) -> None:
    """Register models, document types, blueprints, hooks and the reindex command."""
    from schwarm.hooks import register_after_commit
    from search import api, cli, loaders, models, views  # noqa: F401 (models: metadata)

    if app.config.get("SEARCH_BACKEND", "whoosh") == "postgres" and not str(
            app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        raise RuntimeError("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")
    loaders.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    register_after_commit(app, _after_commit)
    app.extensions.setdefault("schwarm.health", {})["index"] = _index_health
    app.extensions.setdefault("schwarm.init_hooks", []).append(_init_hook)
    app.before_request(_replay_once)
    app.cli.add_command(cli.reindex_command)
    app.cli.add_command(cli.indexer_command)
