"""``schwarm reindex``: a full rebuild from the database, usable while the app runs."""

from __future__ import annotations

import pytest

from schwarm.extensions import db
from search import indexing, services
from tests.search.conftest import keys


@pytest.fixture
def app_config(backend):
    return {"SEARCH_BACKEND": backend}


def test_reindex_rebuilds_everything_with_a_progress_bar(app, world, docs, runner):
    for i in range(5):
        docs.add("page", f"p{i}", f"Handbuch {i}", "Kapitel über Datenschutz")
    stale = docs.items.pop(("page", "p4"))  # gone from the database without an outbox row
    result = runner.invoke(args=["reindex", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Indexing" in result.output
    # 4 pages + 4 users + 2 groups
    assert "Indexed 10 documents" in result.output
    assert keys(services.search(world.carla, "Datenschutz")) == {f"page:p{i}" for i in range(4)}
    assert stale.id not in {i["id"] for i in services.search(world.carla, "Handbuch").items}
    assert keys(services.search(world.carla, "Anna", types="user")) == {f"user:{world.anna.id}"}


def test_reindex_refuses_a_bad_batch_size(runner, app):
    result = runner.invoke(args=["reindex", "--batch-size", "0"])
    assert result.exit_code != 0


def test_old_index_serves_during_a_rebuild_and_changes_made_meanwhile_arrive(app, world,
                                                                            docs):
    docs.add("page", "old", "Altes Wissen", "Archivbestand")
    seen_during: list[set[str]] = []
    loader, all_ids = app.extensions["schwarm.search.loaders"]["page"]

    def loader_that_sees_the_app_running(ids):
        if not seen_during:
            # another request, while the rebuild holds the writer lock:
            with app.app_context():
                carla = db.session.merge(world.carla)
                seen_during.append(keys(services.search(carla, "Archivbestand")))
                docs.add("page", "new", "Neues Wissen", "Archivbestand ergänzt")
                seen_during.append(keys(services.search(carla, "Archivbestand")))
        return loader(ids)

    from search import register_document_type

    register_document_type(app, "page", loader_that_sees_the_app_running, all_ids)
    indexing.rebuild(batch_size=1)
    # the old index answered during the rebuild; the new change waited in the outbox
    assert seen_during == [{"page:old"}, {"page:old"}]
    assert keys(services.search(world.carla, "Archivbestand")) == {"page:old", "page:new"}


@pytest.mark.parametrize("backend", ["whoosh"])
def test_whoosh_rebuild_switches_generations_atomically(app, world, docs):
    docs.add("page", "p", "Titel", "Inhalt")
    backend = indexing.get_backend()
    first = backend.dir.current()
    indexing.rebuild()
    second = backend.dir.current()
    indexing.rebuild()
    third = backend.dir.current()
    assert len({first, second, third}) == 3
    # the live one and the one before stay (a process may still read it)
    assert not first.exists() and second.exists() and third.exists()
    assert keys(services.search(world.carla, "Inhalt")) == {"page:p"}


@pytest.mark.parametrize("backend", ["whoosh"])
def test_whoosh_rebuild_in_worker_processes_finds_the_same_as_in_one(app, world, docs):
    for i in range(12):
        docs.add("page", f"p{i}", f"Handbuch {i}", f"Kapitel {i} über Datenschutz"
                 + (" und Wissensmanagement" if i % 3 == 0 else ""))
    docs.add("page", "secret", "Vorstand", "Datenschutz intern", group=world.board.id)
    queries = ["Datenschutz", "Wissen", "\"Kapitel über Datenschutz\"", "Vorstand"]

    def found(viewer):
        return [keys(services.search(viewer, q)) for q in queries]

    assert indexing.rebuild(processes=1) == indexing.rebuild(processes=2)
    two = found(world.carla), found(world.ben)
    indexing.rebuild(processes=1)
    assert (found(world.carla), found(world.ben)) == two
    assert len(two[0][0]) == 12 and len(two[1][0]) == 13  # the board page only for ben
    assert len(two[0][1]) == 4
    assert len(two[0][2]) == 10  # "Kapitel 10 über", "Kapitel 11 über": not the phrase
    assert two[0][3] == set() and "page:secret" in two[1][3]


def test_reindex_takes_a_number_of_processes(app, world, docs, runner):
    docs.add("page", "p", "Handbuch", "Kapitel über Datenschutz")
    result = runner.invoke(args=["reindex", "--processes", "2"])
    assert result.exit_code == 0, result.output
    assert keys(services.search(world.carla, "Datenschutz")) == {"page:p"}
    assert runner.invoke(args=["reindex", "--processes", "0"]).exit_code != 0
