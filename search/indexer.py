"""The indexer process: drains the outbox so that web workers don't have to.

Draining in a web worker (on its background thread, ``background.py``) costs
that worker CPU and, through the GIL, slows the requests it serves meanwhile;
with several workers each one indexes a share of the writes in small batches.
``schwarm serve`` therefore starts one ``schwarm indexer`` process beside
gunicorn's workers (``schwarm/serving.py``). It polls the outbox and drains
whatever is waiting in one go, so a burst of writes from all workers becomes
one index commit, on a process of its own.

The guarantees are those of :func:`search.indexing.drain`: rows are committed
with the content, one writer holds the lock, rows are deleted only after the
index commit. While the indexer is alive it touches ``indexer.alive`` in the
instance folder every ``HEARTBEAT_SECONDS``; a worker that sees a fresh
heartbeat leaves its rows to the indexer, and one that sees none (not
started, killed, hung on a stale file system) drains on its own background
thread as before. Either way nothing waits for the index and nothing is lost:
a write made while the indexer is being restarted is drained by its worker or
by the indexer's first poll.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

from flask import Flask

log = logging.getLogger(__name__)

HEARTBEAT = "indexer.alive"
HEARTBEAT_SECONDS = 1.0
STALE_SECONDS = 5.0  # a heartbeat older than this: no indexer (workers drain themselves)
POLL_SECONDS = 0.05
monotonic = time.monotonic  # tests drive the drain interval with a fake clock


def heartbeat_path(app: Flask) -> Path:
    """The file the running indexer touches (in the instance folder)."""
    return Path(app.instance_path) / HEARTBEAT


def indexer_alive(app: Flask, now: float | None = None) -> bool:
    """Whether an indexer process touched its heartbeat within ``STALE_SECONDS``."""
    try:
        touched = heartbeat_path(app).stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - touched < STALE_SECONDS


def _beat(path: Path, stop: threading.Event) -> None:
    # A thread of its own, so that a long drain (or a rebuild) keeps the heartbeat fresh.
    while not stop.is_set():
        try:
            path.touch()
        except OSError:  # the instance folder went away: workers fall back to draining
            log.exception("could not touch the indexer heartbeat %s", path)
        stop.wait(HEARTBEAT_SECONDS)


def run(app: Flask, stop: threading.Event | None = None, poll: float = POLL_SECONDS,
        interval: float | None = None) -> int:
    """Drain the outbox until ``stop`` is set; returns how many rows were applied.

    Replays what is waiting first (as an app start does), then polls every
    ``poll`` seconds. An error in a drain is logged and retried at the next
    poll: the rows stay in the outbox.

    While writes keep coming, drains start at most every ``interval`` seconds
    (default ``SEARCH_INDEX_INTERVAL``), so one index commit takes all the
    writes of that time. Whoosh's cost per commit (a new segment, and merging
    the small ones again) is then shared by more writes: 7.4 -> 2.9 ms of
    indexer CPU per write under ``make load`` with a 1 s interval. A write after
    a quiet spell is still indexed at the next poll.
    """
    if interval is None:
        interval = float(app.config["SEARCH_INDEX_INTERVAL"])
    from search.indexing import drain, has_waiting_rows

    stop = stop or threading.Event()
    path = heartbeat_path(app)
    beating = threading.Thread(target=_beat, args=(path, stop), name="schwarm-indexer-beat",
                               daemon=True)
    beating.start()
    applied = 0
    try:
        _prepare_files(app)
        while not stop.is_set():
            began = monotonic()
            try:
                with app.app_context():
                    waiting = has_waiting_rows()
                    if waiting:
                        applied += drain()
            except Exception:
                log.exception("the indexer's drain failed; retrying")
                waiting = False
            if not waiting:
                stop.wait(poll)
            elif interval > 0:
                stop.wait(max(0.0, interval - (monotonic() - began)))
    finally:
        stop.set()
        beating.join(HEARTBEAT_SECONDS * 2)
        path.unlink(missing_ok=True)
    return applied


def _prepare_files(app: Flask) -> None:
    """The backend's files beside the index that a search reads instead of
    working them out (Whoosh: columns and frequent posting lists of large
    segments), for an index written before they existed. Once per start."""
    from search.indexing import get_backend

    try:
        with app.app_context():
            prepare = getattr(get_backend(), "prepare_live_files", None)
            if prepare is not None:
                prepare()
    except Exception:  # only a speed-up
        log.exception("the indexer could not prepare the index files")


def main() -> None:
    """``python -m search.indexer``: the process ``schwarm serve`` starts (same
    environment as the workers: ``SCHWARM_INSTANCE``, ``DATABASE_URL``, ...)."""
    from schwarm import create_app
    from search.analysis import compound_parts

    app = create_app()
    compound_parts("wissensmanagement")  # load the splitter's tables (2 s) before the first post
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("indexer started (pid %s)", os.getpid())
    run(app, stop)


if __name__ == "__main__":
    main()
