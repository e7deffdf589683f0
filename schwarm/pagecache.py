"""Whole-page cache for the pages a signed-in reader reloads most (the home stream).

A page marked :func:`cacheable` is kept in the worker's memory after it was
rendered, keyed by everything it is made of:

* the address (scheme, host, path and query string),
* the whole session (who is signed in, with which login, CSRF token, freshness)
  and the ``Accept-Language`` header,
* the **generation** of the database: a value that changes whenever a write
  transaction commits, read *before* the page was rendered.

A request with the same key is answered from memory without loading the user
or running the view. So a cached page is what the view would render now, apart
from two things bounded by ``PAGE_CACHE_SECONDS``: relative times ("3 minutes
ago") and the catch-up's visit time, which a cached answer does not refresh.

Generations (``PAGE_CACHE_GENERATION``):

* ``"file"`` (default; every app process on one machine): a file in the
  instance folder that every commit of an ORM session appends one byte to; the
  generation is its inode and size. Appends are atomic, so two commits never
  share a generation (within the millions of commits a page lives at most).
  Writes that bypass the application (SQL typed by hand, the bulk generator's
  raw inserts) do not bump: such pages live at most ``PAGE_CACHE_SECONDS``.
* ``"snapshot"`` (PostgreSQL with app nodes on several machines): the server's
  transaction snapshot (``pg_current_snapshot()``), which changes whenever any
  write transaction starts or ends, whoever wrote. It costs a query per request,
  and a write to *any* database of the server makes the next request render.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request, session
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from schwarm.db import utcnow

GENERATION_FILE = "page-cache.generation"
# The generation file is started afresh (as a new inode) when it reaches this size.
ROTATE_BYTES = 4 * 1024 * 1024


def cacheable(view: Callable) -> Callable:
    """Mark a view whose signed-in GET responses may be served from the page cache."""
    view.page_cacheable = True
    return view


class FileGeneration:
    """A generation kept as the size (and inode) of an append-only file."""

    def __init__(self, path: Path):
        self.path = path

    def current(self) -> Hashable:
        """The generation now: changes after every :meth:`bump`. Without a readable
        file, a value that matches nothing (every request renders)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self.bump()
            try:
                stat = os.stat(self.path)
            except OSError:
                return object()
        except OSError:
            return object()
        return (stat.st_ino, stat.st_size)

    def bump(self) -> None:
        """Move to a new generation (after a commit). Never raises: the commit is
        done, and its writer must not see an error."""
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, b".")
                size = os.fstat(descriptor).st_size
            finally:
                os.close(descriptor)
        except OSError:
            logging.getLogger(__name__).exception("could not bump %s", self.path)
            return
        if size >= ROTATE_BYTES:
            self._rotate()

    def _rotate(self) -> None:
        """Start the file afresh. The file system may give the new file the inode of
        the one before, so a generation can come back, but only after
        ROTATE_BYTES more commits: pages expire long before that."""
        fresh = self.path.with_name(f"{self.path.name}.{os.getpid()}.new")
        try:
            fresh.write_bytes(b".")
            os.replace(fresh, self.path)
        except OSError:
            logging.getLogger(__name__).exception("could not start %s afresh", self.path)


class PostgresGeneration:
    """The database server's snapshot: it changes whenever a write begins or ends."""

    def current(self) -> Hashable:
        from schwarm.extensions import db

        return db.session.execute(text("SELECT pg_current_snapshot()::text")).scalar_one()

    def bump(self) -> None:
        """Nothing to do: the server's snapshot moved with the commit."""


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    content_type: str
    expires: float


class PageStore:
    """Pages by key, least recently used first out, at most ``max_bytes`` of bodies."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, now: float) -> CachedPage | None:
        """The live page of ``key``, or None (an expired one is dropped)."""
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires <= now:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: CachedPage) -> None:
        """Keep ``page`` under ``key``, dropping the least recently used to make room."""
        if len(page.body) > self.max_bytes:
            return
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = page
            self.used += len(page.body)
            while self.used > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._pages)

    def _drop(self, key: Hashable) -> None:
        self.used -= len(self._pages.pop(key).body)


class PageCache:
    """The cache of one app: its store, its generation and its settings."""

    def __init__(self, app: Flask):
        self.seconds = float(app.config["PAGE_CACHE_SECONDS"])
        self.store = PageStore(int(app.config["PAGE_CACHE_BYTES"]))
        kind = app.config["PAGE_CACHE_GENERATION"]
        if kind == "snapshot":
            if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
                raise ValueError('PAGE_CACHE_GENERATION = "snapshot" needs PostgreSQL')
            self.generation: FileGeneration | PostgresGeneration = PostgresGeneration()
        elif kind == "file":
            self.generation = FileGeneration(Path(app.instance_path) / GENERATION_FILE)
        else:
            raise ValueError(f'PAGE_CACHE_GENERATION is "file" or "snapshot", not {kind!r}')
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.seconds > 0


def _now() -> float:
    # The app's clock, which tests move: a page expires on the same time line as
    # the visits and the relative dates it shows.
    return utcnow().timestamp()


def _page_cache() -> PageCache:
    return current_app.extensions["page_cache"]


def _request_key() -> Hashable | None:
    """What the page is made of besides the database, or None when it must not be
    served from or kept in the cache."""
    if request.method != "GET" or "Authorization" in request.headers:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "page_cacheable", False):
        return None
    if "_user_id" not in session or "_flashes" in session:
        return None
    # Flask-Login's session protection: a session from another address or browser
    # is handled by the full request (it loses its freshness there).
    manager = current_app.login_manager
    if session.get("_id") != manager._session_identifier_generator():
        return None
    state = json.dumps(dict(session), sort_keys=True, default=str)
    digest = hashlib.sha256(state.encode()).digest()
    # The whole address (scheme, host, mount point, path, query): pages hold links.
    return (request.url, digest, request.headers.get("Accept-Language", ""))


def serve_cached() -> Response | None:
    """``before_request``: answer from the cache, or note the key for :func:`keep`."""
    cache = _page_cache()
    if not cache.enabled:
        return None
    key = _request_key()
    if key is None:
        return None
    generation = cache.generation.current()
    page = cache.store.get((key, generation), _now())
    if page is None:
        cache.misses += 1
        g.page_cache_key = (key, generation)
        return None
    cache.hits += 1
    return Response(page.body, content_type=page.content_type)


def keep(response: Response) -> Response:
    """``after_request``: keep a freshly rendered cacheable page."""
    key = g.pop("page_cache_key", None)
    if (key is None or response.status_code != 200 or response.direct_passthrough
            or response.is_streamed or session.modified):
        # A view that changed the session (a new CSRF token, consumed messages)
        # rendered what the next request with the old session must not get.
        return response
    cache = _page_cache()
    cache.store.put(key, CachedPage(response.get_data(), response.content_type,
                                    _now() + cache.seconds))
    return response


def _mark_written(session_: Session, *_args: Any) -> None:
    session_.info["page_cache_wrote"] = True


def _mark_dml(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["page_cache_wrote"] = True


def _bump_after_commit(session_: Session) -> None:
    if session_.info.pop("page_cache_wrote", False) and has_app_context():
        cache = current_app.extensions.get("page_cache")
        if cache is not None:
            cache.generation.bump()


def _forget_writes(session_: Session, *_args: Any) -> None:
    session_.info.pop("page_cache_wrote", None)


def _listen() -> None:
    """Session events of every Schwarm app in the process (installed once)."""
    for name, listener in (("after_flush", _mark_written), ("do_orm_execute", _mark_dml),
                           ("after_commit", _bump_after_commit),
                           ("after_rollback", _forget_writes)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def init_app(app: Flask) -> None:
    """Install the cache's hooks. Commits bump the generation even with the cache
    off in this process, so that other processes of the instance see them."""
    app.extensions["page_cache"] = PageCache(app)
    _listen()
    app.before_request(serve_cached)
    app.after_request(keep)
