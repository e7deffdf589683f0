"""The indexing pipeline: outbox in the same transaction, one non-blocking writer,
nothing lost when a process dies at any point, the index rebuilt when missing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from schwarm import create_app
from schwarm.db import utcnow, write_transaction
from schwarm.extensions import db
from search import enqueue, indexing, services
from search.models import IndexOutbox
from tests.search import worker
from tests.search.conftest import keys

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_config(backend):
    return {"SEARCH_BACKEND": backend}


def outbox_count() -> int:
    db.session.rollback()  # SQLite: no read snapshot from before another process wrote
    count = db.session.scalar(select(func.count()).select_from(IndexOutbox))
    db.session.rollback()
    return count


def restart(app, store=None, **config):
    """A second app on the same database and index: the process after a restart."""
    second = create_app({**app.config, **config})
    if store is not None:
        store.register(second)
    return second


def start(second) -> None:
    """What `schwarm init` / the test fixture run at start."""
    for hook in second.extensions["schwarm.init_hooks"]:
        hook()


def test_outbox_row_is_written_in_the_content_transaction(world, docs):
    with pytest.raises(RuntimeError), write_transaction():
        docs.items[("page", "x")] = docs.make("page", "x", "Entwurf", "Verworfen")
        enqueue("page", "x")
        raise RuntimeError("the write fails")
    assert outbox_count() == 0  # rolled back with the content


def test_crash_between_commit_and_drain_loses_nothing(app, world, store, docs):
    app.config["SEARCH_DRAIN_AFTER_REQUEST"] = False
    for i in range(3):
        docs.add("page", f"p{i}", f"Notfallplan {i}", "Evakuierung des Gebäudes")
    assert outbox_count() == 3  # committed, never drained: the process "died" here
    assert keys(services.search(world.carla, "Evakuierung")) == set()
    second = restart(app, store, SEARCH_DRAIN_AFTER_REQUEST=True)
    with second.app_context():
        start(second)
        carla = db.session.merge(world.carla)
        assert keys(services.search(carla, "Evakuierung")) == {"page:p0", "page:p1",
                                                                "page:p2"}
        assert outbox_count() == 0
        db.engine.dispose()


def test_first_request_of_a_process_replays_the_outbox(app, world, store, docs, client):
    app.config["SEARCH_DRAIN_AFTER_REQUEST"] = False
    docs.add("page", "p", "Brandschutz", "Feuerlöscher prüfen")
    second = restart(app, store, SEARCH_DRAIN_AFTER_REQUEST=True)
    with second.app_context():
        assert outbox_count() == 1
        second.test_client().get("/login")  # any request: the first one replays
        assert outbox_count() == 0
        db.engine.dispose()


def test_drain_does_not_wait_for_a_held_lock_and_the_holder_drains_after(world, docs):
    backend = indexing.get_backend()
    with backend.writer_lock() as held:
        assert held
        docs.add("page", "p", "Betriebsausflug", "Wandern im Harz")  # drain finds the lock
        assert outbox_count() == 1
        assert indexing.drain() == 0
        assert keys(services.search(world.carla, "Betriebsausflug")) == set()
        with backend.writer_lock() as also:
            assert not also  # one writer at a time, also within a process
    # the holder looks for rows marked while it held the lock
    assert backend.take_pending()
    assert indexing.drain() == 1
    assert keys(services.search(world.carla, "Betriebsausflug")) == {"page:p"}


def test_rows_of_types_not_registered_wait_for_their_loader(app, world, docs):
    with write_transaction():
        enqueue("page", "later")
        enqueue("unknown", "1")
    assert outbox_count() == 1  # the page was drained, the unknown type waits
    assert keys(services.search(world.carla, "Seite")) == set()


def test_many_changes_of_one_document_apply_the_last(world, docs):
    with write_transaction():
        for i in range(5):
            docs.items[("page", "p")] = docs.make("page", "p", "Version", f"Stand{i}")
            enqueue("page", "p")
    assert keys(services.search(world.carla, "Stand4")) == {"page:p"}
    assert keys(services.search(world.carla, "Stand3")) == set()
    assert services.search(world.carla, "Version").total == 1


def test_user_changes_are_enqueued_only_when_searchable_fields_change(app, world):
    from schwarm.accounts import services as accounts

    app.config["SEARCH_DRAIN_AFTER_REQUEST"] = False
    with write_transaction():
        db.session.get(type(world.carla), world.carla.id).last_visit_at = utcnow()
    assert outbox_count() == 0
    accounts.update_profile(world.carla, accounts.ProfileChange(department="Einkauf"))
    assert outbox_count() == 1
    accounts.update_profile(world.carla, accounts.ProfileChange(expertise=["sap"]))
    assert outbox_count() == 2


# --- processes -------------------------------------------------------------------------------


def run_worker(app, *args, wait=True):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.search.worker", args[0], app.instance_path,
               app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_BACKEND"], *args[1:]]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    if wait:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    return process


def wait_for(path: Path, process) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker never got there"
        time.sleep(0.05)


@pytest.fixture
def pages(app, docs):
    """Register the workers' page loader in the test app too (instead of the fake store)."""
    from search import register_document_type

    register_document_type(app, "page", worker.load, worker.all_ids)
    return app


def test_concurrent_writers_in_several_processes_lose_nothing(pages, world):
    processes = [run_worker(pages, "write", "25", f"w{n}", wait=False) for n in range(3)]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    # No drain here: every row was applied by whoever held the lock.
    assert outbox_count() == 0
    page = services.search(world.carla, "Absturzsicher", limit=100)
    assert page.total == 75
    assert {item["id"] for item in page.items} == {f"w{n}-{i}" for n in range(3)
                                                   for i in range(25)}


@pytest.mark.parametrize("mode", ["hang-in-loader", "hang-after-index"])
def test_kill_9_while_indexing_loses_nothing_and_leaves_no_lock(pages, world, mode):
    process = run_worker(pages, mode, "10", wait=False)
    wait_for(Path(pages.instance_path) / "signal", process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert outbox_count() == 10  # nothing was deleted before the kill
    assert indexing.drain() == 10  # the lock died with the process
    page = services.search(world.carla, "Absturzsicher", limit=100)
    assert page.total == 10  # applied once each, even if the index had them already
    assert outbox_count() == 0


# --- the index itself ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["whoosh"])
def test_missing_index_is_rebuilt_from_the_database(app, world, docs):
    docs.add("page", "p", "Arbeitsschutz", "Sicherheitsschuhe tragen")
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    indexing.get_backend()._indexes.clear()
    assert services.search(world.carla, "Sicherheitsschuhe").notices  # not there yet
    assert indexing.replay() == 0
    assert keys(services.search(world.carla, "Sicherheitsschuhe")) == {"page:p"}


@pytest.mark.parametrize("backend", ["whoosh"])
def test_corrupt_index_is_rebuilt_from_the_database(app, world, docs):
    docs.add("page", "p", "Arbeitsschutz", "Sicherheitsschuhe tragen")
    backend = indexing.get_backend()
    live = backend.dir.current()
    for toc in live.glob("*.toc"):
        toc.write_bytes(b"garbage")
    backend._indexes.clear()
    docs.add("page", "q", "Erste Hilfe", "Verbandskasten")  # the drain notices and rebuilds
    assert backend.dir.current() != live
    assert keys(services.search(world.carla, "Sicherheitsschuhe Verbandskasten")) == set()
    assert keys(services.search(world.carla, "Verbandskasten")) == {"page:q"}
    assert keys(services.search(world.carla, "Sicherheitsschuhe")) == {"page:p"}


@pytest.mark.parametrize("backend", ["whoosh"])
def test_search_while_the_index_is_missing_says_so(app, world, docs):
    backend = indexing.get_backend()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    backend._indexes.clear()
    with backend.writer_lock():  # someone else is rebuilding
        page = services.search(world.carla, "irgendwas")
    assert page.items == [] and page.notices
    assert services.suggest(world.carla, "irgend") == []


@pytest.mark.parametrize("backend", ["whoosh"])
def test_an_index_of_an_older_schema_is_rebuilt(app, world, docs):
    docs.add("page", "p", "Arbeitsschutz", "Sicherheitsschuhe tragen")
    backend = indexing.get_backend()
    live = backend.dir.current()
    backend.dir.set_version(live, "0")
    backend._indexes.clear()
    assert not backend.is_ready()
    assert services.search(world.carla, "Sicherheitsschuhe").notices
    indexing.replay()
    assert backend.dir.current() != live
    assert keys(services.search(world.carla, "Sicherheitsschuhe")) == {"page:p"}


def test_long_posting_lists_and_deletions_are_counted_exactly(world, docs):
    backend = indexing.get_backend()
    many = [docs.make("post", f"m{i}", "", "Langer Beitrag") for i in range(300)]
    backend.apply(many, [], lambda connection=None: None)
    page = services.search(world.carla, "Langer")
    assert page.total == 300 and len(page.items) == 20
    backend.apply([], [f"post:m{i}" for i in range(0, 300, 3)], lambda connection=None: None)
    assert services.search(world.carla, "Langer").total == 200
    assert services.search(world.carla, "Beitrag", sort="date").items[0]["id"] == "m299"


def test_whoosh_remembers_that_a_field_has_no_lengths_column(monkeypatch):
    """Writing a segment asks for field lengths per posting; a field without a
    lengths column must not cost a look at the disk each time."""
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    from search import whoosh_support

    whoosh_support.remember_missing_columns()
    storage = RamStorage()
    ix = storage.create_index(Schema(key=ID(stored=True), body=TEXT))
    with ix.writer() as writer:
        writer.add_document(key="a", body="eins zwei drei")
    lengths = ix.reader()._perdoc
    files = lengths._storage
    looks = []
    monkeypatch.setattr(files, "file_exists",
                        lambda name, seen=files.file_exists: looks.append(name) or seen(name))
    for _ in range(50):
        assert lengths.doc_field_length(0, "key") == 0
        assert lengths.doc_field_length(0, "body") == 3
    assert len(looks) <= 2


def test_whoosh_sorting_runs_on_disk_keep_every_posting(tmp_path, monkeypatch):
    """A writer over its memory limit sorts postings in runs on disk (written as
    marshal'd chunks, ``chunked_posting_runs``); the segment it writes must be
    the same as one sorted in memory."""
    import random

    from whoosh import writing
    from whoosh.fields import ID, KEYWORD, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage

    from search import whoosh_support

    whoosh_support.chunked_posting_runs()
    monkeypatch.setattr(whoosh_support, "RUN_CHUNK", 7)  # records end inside a run
    runs = []
    write_run = writing.PostingPool._write_run
    monkeypatch.setattr(writing.PostingPool, "_write_run",
                        lambda pool, f, items: runs.append(1) or write_run(pool, f, items))
    rng = random.Random(5)
    words = ["Kunde", "Prozess", "Wissen", "Qualität", "release", "E-Mail", "Straße", "ß"]
    documents = [{"key": f"d{n}", "tags": " ".join(rng.sample(words, 2)),
                  "body": " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))}
                 for n in range(300)]

    def postings(folder, limitmb):
        schema = Schema(key=ID(stored=True), tags=KEYWORD, body=TEXT(phrase=True))
        ix = FileStorage(str(folder)).create().create_index(schema)
        with ix.writer(limitmb=limitmb) as writer:
            for document in documents:
                writer.add_document(**document)
        with ix.reader() as reader:
            return {(field, text): list(reader.postings(field, text).items_as("positions"))
                    if field == "body" else list(reader.postings(field, text).all_ids())
                    for field, text in reader.all_terms()}

    in_memory = postings(tmp_path / "memory", 512)
    assert not runs
    on_disk = postings(tmp_path / "runs", 0.002)  # a run every few dozen postings
    assert len(runs) > 50
    assert on_disk == in_memory and len(in_memory) > 10
