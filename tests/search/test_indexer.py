"""The indexer process: while it is alive, web workers leave the outbox to it;
when it is gone, they drain on their own again; ``schwarm serve`` keeps it running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from schwarm.extensions import db
from schwarm.serving import IndexerSupervisor
from search import background, indexer, services
from search.models import IndexOutbox


@pytest.fixture
def app_config():
    return {"SEARCH_DRAIN_IN_BACKGROUND": True}


@pytest.fixture
def running_indexer(app):
    """``search.indexer.run`` on a thread, as the indexer process runs it."""
    stop = threading.Event()
    applied: list[int] = []
    thread = threading.Thread(target=lambda: applied.append(indexer.run(app, stop, poll=0.01)))
    thread.start()
    deadline = time.monotonic() + 10
    while not indexer.indexer_alive(app) and time.monotonic() < deadline:
        time.sleep(0.01)
    yield applied
    stop.set()
    thread.join(10)
    background.stop(app)


def found(user, word: str) -> int:
    db.session.rollback()
    return services.search(user, word).total


def eventually(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_heartbeat_says_whether_an_indexer_is_alive(app):
    assert not indexer.indexer_alive(app)
    path = indexer.heartbeat_path(app)
    path.touch()
    assert indexer.indexer_alive(app)
    stale = time.time() - indexer.STALE_SECONDS - 1
    os.utime(path, (stale, stale))
    assert not indexer.indexer_alive(app)


def test_while_the_indexer_runs_requests_leave_the_outbox_to_it(app, users, api,
                                                                running_indexer):
    anna = users.make("anna")
    for n in range(3):
        response = api.as_user(anna).post("/posts", json={"body": f"Indexerbeitrag {n}"})
        assert response.status_code == 201
    assert eventually(lambda: found(anna, "Indexerbeitrag") == 3)
    # the worker's own drainer was never woken
    assert background.drainer(app)._thread is None


def test_with_a_stale_heartbeat_workers_drain_on_their_own_again(app, users, api):
    """An indexer killed without cleaning up leaves its file; after STALE_SECONDS
    the workers stop relying on it."""
    path = indexer.heartbeat_path(app)
    path.touch()
    stale = time.time() - indexer.STALE_SECONDS - 1
    os.utime(path, (stale, stale))
    anna = users.make("anna")
    try:
        assert api.as_user(anna).post("/posts", json={"body": "verwaist"}).status_code == 201
        assert background.drainer(app).wait_idle(10)
        assert found(anna, "verwaist") == 1
    finally:
        background.stop(app)


def test_rows_left_before_the_indexer_started_are_drained_at_its_first_poll(app, users):
    from stream.posts import create_post

    anna = users.make("anna")
    app.config["SEARCH_DRAIN_AFTER_REQUEST"] = False  # as if the writer died after commit
    create_post(anna, "liegengeblieben")
    app.config["SEARCH_DRAIN_AFTER_REQUEST"] = True
    assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 1
    db.session.rollback()
    stop = threading.Event()
    thread = threading.Thread(target=lambda: indexer.run(app, stop, poll=0.01))
    thread.start()
    try:
        assert eventually(lambda: found(anna, "liegengeblieben") == 1)
    finally:
        stop.set()
        thread.join(10)
    assert not indexer.heartbeat_path(app).exists()


def test_indexer_command_runs_until_sigterm(app, tmp_path):
    """``python -m search.indexer`` in the instance: alive, then stopped cleanly."""
    env = {**os.environ, "SCHWARM_INSTANCE": app.instance_path,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    process = subprocess.Popen([sys.executable, "-m", "search.indexer"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert eventually(lambda: indexer.indexer_alive(app) or process.poll() is not None, 60)
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert not indexer.heartbeat_path(app).exists()


def test_supervisor_restarts_a_dead_indexer_and_stops_it_for_good():
    supervisor = IndexerSupervisor([sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor.start()
    try:
        assert eventually(lambda: supervisor.process is not None)
        first = supervisor.process
        first.kill()
        assert eventually(lambda: supervisor.process is not first
                          and supervisor.process.poll() is None)
    finally:
        supervisor.stop()
    second = supervisor.process
    assert second.poll() is not None
    time.sleep(1.5)  # longer than RESTART_SECONDS: nothing new was started
    assert supervisor.process is second


def test_serve_hooks_start_and_stop_the_indexer_unless_switched_off(monkeypatch):
    from schwarm import serving

    started = []
    monkeypatch.setattr(serving.IndexerSupervisor, "start", lambda self: started.append(self))
    monkeypatch.setenv("SCHWARM_INDEXER", "0")
    monkeypatch.setattr(serving, "_supervisor", None)
    serving.when_ready(None)
    assert started == [] and serving._supervisor is None
    monkeypatch.setenv("SCHWARM_INDEXER", "1")
    serving.when_ready(None)
    assert started == [serving._supervisor]
    serving.on_exit(None)  # never started a process: nothing to stop
    assert serving._supervisor._stopping.is_set()


class _RecordingStop:
    """A stop event that records how long the indexer asked to wait, and stops it
    after ``rounds`` waits (no real waiting)."""

    def __init__(self, rounds: int):
        self.rounds = rounds
        self.waits: list[float] = []

    def is_set(self) -> bool:
        return len(self.waits) >= self.rounds

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self.is_set()

    def set(self) -> None:
        self.rounds = 0


def test_under_a_stream_of_writes_one_drain_starts_per_interval(app, monkeypatch):
    """Rows always waiting: after each drain the indexer waits out the rest of the
    interval, so one index commit takes all the writes of that time; a drain that
    took longer than the interval is followed by the next at once."""
    import search.indexing

    clock = {"now": 100.0}
    took = iter([0.1, 0.3, 0.7])

    def drain():
        clock["now"] += next(took)
        return 5

    monkeypatch.setattr(indexer, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(search.indexing, "has_waiting_rows", lambda: True)
    monkeypatch.setattr(search.indexing, "drain", drain)
    monkeypatch.setattr(indexer, "_beat", lambda path, stop: None)
    stop = _RecordingStop(rounds=3)
    assert indexer.run(app, stop, poll=0.01, interval=0.5) == 15
    assert [round(seconds, 6) for seconds in stop.waits] == [0.4, 0.2, 0.0]


def test_with_nothing_waiting_the_indexer_polls(app, monkeypatch):
    import search.indexing

    monkeypatch.setattr(search.indexing, "has_waiting_rows", lambda: False)
    monkeypatch.setattr(indexer, "_beat", lambda path, stop: None)
    stop = _RecordingStop(rounds=2)
    assert indexer.run(app, stop, poll=0.01, interval=0.5) == 0
    assert stop.waits == [0.01, 0.01]


def test_the_interval_comes_from_the_config(app, monkeypatch):
    import search.indexing

    monkeypatch.setattr(indexer, "monotonic", lambda: 100.0)
    monkeypatch.setattr(search.indexing, "has_waiting_rows", lambda: True)
    monkeypatch.setattr(search.indexing, "drain", lambda: 1)
    monkeypatch.setattr(indexer, "_beat", lambda path, stop: None)
    app.config["SEARCH_INDEX_INTERVAL"] = 0.25
    stop = _RecordingStop(rounds=1)
    indexer.run(app, stop, poll=0.01)
    assert stop.waits == [0.25]
