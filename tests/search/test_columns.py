"""Column arrays of Whoosh segments (type, group, author, tags, time) are computed
once and kept in a file beside a large segment; a later process reads them back
equal, a damaged file is computed again, and Whoosh removes the file with its
segment."""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np
import pytest

from schwarm.db import write_transaction
from search import enqueue, services, whoosh_columns
from search.indexing import get_backend
from tests.search.conftest import BASE_TIME

TAGS = ("it", "hr", "qualität", "reisen", "kunden")


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


@pytest.fixture(autouse=True)
def small_segments_get_files(monkeypatch):
    monkeypatch.setattr(whoosh_columns, "PERSIST_FROM", 50)
    yield
    whoosh_columns.forget([])


@pytest.fixture
def segment(world, docs):
    """One segment of 120 documents: four types, three groups and none, authors,
    zero to three tags, times out of order (some equal)."""
    rng = random.Random(9)
    with write_transaction():
        for n in range(120):
            doc_type = rng.choice(["post", "question", "comment", "page"])
            doc = docs.make(doc_type, n, f"Titel {n}", f"Text {n}",
                            group=rng.choice([None, world.board, world.town]),
                            author=rng.choice([world.anna, world.ben, world.carla]),
                            tags=rng.sample(TAGS, rng.randint(0, 3)),
                            created_at=BASE_TIME + timedelta(hours=rng.randint(0, 60)))
            docs.items[(doc_type, doc.id)] = doc
            enqueue(doc_type, n)
    return world


def _the_reader(backend):
    with backend._searcher() as searcher:
        readers = [reader for _, reader, _ in backend._leaves(searcher)
                   if reader.doc_count_all() == 120]
    assert len(readers) == 1
    return readers[0]


def _as_plain(found: dict) -> dict:
    out = {}
    for name in ("created_array", "newest_array", "tag_docs"):
        out[name] = found[name].tolist()
    for facet in whoosh_columns.FACETS:
        values, codes = found[f"{facet}_codes"]
        out[facet] = [values[code] for code in codes.tolist()]
    return out


def test_the_arrays_hold_each_documents_stored_fields(segment):
    reader = _the_reader(get_backend())
    found = _as_plain(whoosh_columns.columns(reader))
    stored = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
    assert found["type"] == [s["type"] for s in stored]
    assert found["group"] == [s["group"] for s in stored]
    assert found["author"] == [s["author"] for s in stored]
    tags = [s["tags"].split(",") if s["tags"] else [] for s in stored]
    assert found["tag"] == [tag for each in tags for tag in each]
    assert found["tag_docs"] == [d for d, each in enumerate(tags) for _tag in each]
    assert len(set(found["created_array"])) < 120  # equal times exist
    assert found["newest_array"] == sorted(range(120), key=lambda d: -found["created_array"][d])


def test_a_large_segment_gets_a_file_that_a_new_process_reads_back_equal(segment, monkeypatch):
    reader = _the_reader(get_backend())
    path = whoosh_columns._path(reader)
    assert path.exists()  # written by the indexer after its commit, before any search
    computed = _as_plain(whoosh_columns.columns(reader))

    whoosh_columns.forget([])  # as in a new process
    monkeypatch.setattr(whoosh_columns, "_compute", lambda reader: pytest.fail("computed"))
    assert _as_plain(whoosh_columns.columns(reader)) == computed


def test_searches_facets_and_date_order_are_the_same_from_the_file(segment):
    def search():
        by_relevance = services.search(segment.anna, q="Titel")
        by_date = services.search(segment.anna, q="Text", sort="date")
        return ([item["id"] for item in by_relevance.items], by_relevance.facets,
                [item["id"] for item in by_date.items], by_date.total)

    reader = _the_reader(get_backend())
    whoosh_columns._path(reader).unlink()
    whoosh_columns.forget([])
    computed = search()  # computes the arrays and writes the file
    assert whoosh_columns._path(reader).exists()
    whoosh_columns.forget([])
    assert search() == computed


@pytest.mark.parametrize("damage", [b"", b"not a zip file", "truncated"])
def test_a_damaged_file_is_computed_again(segment, damage):
    reader = _the_reader(get_backend())
    path = whoosh_columns._path(reader)
    expected = _as_plain(whoosh_columns.columns(reader))
    whole = path.read_bytes()
    path.write_bytes(whole[:len(whole) // 2] if damage == "truncated" else damage)
    whoosh_columns.forget([])
    assert _as_plain(whoosh_columns.columns(reader)) == expected


def test_a_file_of_another_segment_size_is_not_used(segment):
    reader = _the_reader(get_backend())
    path = whoosh_columns._path(reader)
    expected = _as_plain(whoosh_columns.columns(reader))
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["created_array"] = arrays["created_array"][:-1]
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    whoosh_columns.forget([])
    assert _as_plain(whoosh_columns.columns(reader)) == expected


def test_small_segments_get_no_file(segment, docs, monkeypatch):
    monkeypatch.setattr(whoosh_columns, "PERSIST_FROM", 1000)
    docs.add("post", 500, "Klein", "ein kleines Segment")
    backend = get_backend()
    with backend._searcher() as searcher:
        small = [reader for _, reader, _ in backend._leaves(searcher)
                 if reader.doc_count_all() == 1]
    assert len(small) == 1
    whoosh_columns.columns(small[0])
    assert not whoosh_columns._path(small[0]).exists()


def test_whoosh_removes_the_file_when_a_merge_retires_the_segment(segment):
    backend = get_backend()
    reader = _the_reader(backend)
    path = whoosh_columns._path(reader)
    assert path.exists()
    backend._index().optimize()  # one new segment; the old one's files are deleted
    assert not path.exists()
    assert not list(path.parent.glob("*.part"))


def test_the_indexer_writes_a_file_of_an_older_format_again(segment):
    """After an upgrade the indexer's prepare step rewrites old files, so no web
    worker computes the arrays itself; a current file is left as it is."""
    reader = _the_reader(get_backend())
    path = whoosh_columns._path(reader)
    expected = _as_plain(whoosh_columns.columns(reader))
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["format"] = np.array([whoosh_columns.FORMAT - 1])
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    assert whoosh_columns.prepare([reader]) == 1
    assert whoosh_columns.prepare([reader]) == 0  # now current: not written again
    whoosh_columns.forget([])
    assert whoosh_columns._load(reader) is not None
    assert _as_plain(whoosh_columns.columns(reader)) == expected
