"""Draining the outbox off the request: one daemon thread per process and app.

A write request used to drain the outbox itself after its commit, so its
answer waited for an index commit, and each Whoosh commit gets slower as the
index grows. Now the request only wakes this thread and answers. The thread
drains everything that is waiting in one go, so a burst of writes becomes one
index commit instead of many. Nothing about the guarantees changes: the rows
are committed with the content, :func:`search.indexing.drain` is the same
single-writer drain, and whatever a dying process leaves is replayed at the
next start. What changes is only *when* a new post becomes findable: a few
milliseconds after the answer instead of before it.

Writes outside a request (CLI commands, tests calling services) keep draining
inline: a command may exit right after its write.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from flask import Flask

log = logging.getLogger(__name__)

_KEY = "schwarm.search.drainer"
STOP_WAIT_SECONDS = 10.0


class Drainer:
    """Wakes on :meth:`wake` and drains; :meth:`wait_idle` waits until it caught up."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._state = threading.Condition()
        self._requested = 0  # wake-ups asked for
        self._finished = 0  # wake-ups covered by a finished drain
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stopping = False

    def wake(self) -> None:
        """Ask for a drain soon; never blocks on the index."""
        with self._state:
            self._requested += 1
        self._ensure_running()
        self._wake.set()

    def _ensure_running(self) -> None:
        with self._state:
            alive = self._thread is not None and self._thread.is_alive()
            if alive and self._pid == os.getpid():
                return
            # First use, or a forked worker (threads do not survive fork()).
            self._pid = os.getpid()
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="schwarm-search-drain",
                                            daemon=True)
            self._thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        from search.indexing import drain

        while True:
            self._wake.wait()
            self._wake.clear()
            with self._state:
                if self._stopping:
                    return
                covered = self._requested
            try:
                with self.app.app_context():
                    drain()
            except Exception:  # the rows stay in the outbox; the next wake retries
                log.exception("draining the search outbox in the background failed")
            with self._state:
                self._finished = max(self._finished, covered)
                self._state.notify_all()

    def wait_idle(self, timeout: float = STOP_WAIT_SECONDS) -> bool:
        """Wait until every wake so far has been followed by a finished drain."""
        with self._state:
            target = self._requested
            if self._thread is None:
                return True
            return self._state.wait_for(lambda: self._finished >= target, timeout)

    def stop(self, timeout: float = STOP_WAIT_SECONDS) -> None:
        """Finish the drain under way (if any) and end the thread."""
        with self._state:
            thread = self._thread
            self._stopping = True
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        atexit.unregister(self.stop)


def drainer(app: Flask) -> Drainer:
    """The app's drainer (created on first use, thread started on first wake)."""
    found = app.extensions.get(_KEY)
    if found is None:
        found = app.extensions[_KEY] = Drainer(app)
    return found


def stop(app: Flask) -> None:
    """Stop the app's drainer thread if one was started (tests, shutdown)."""
    found = app.extensions.get(_KEY)
    if found is not None:
        found.stop()
