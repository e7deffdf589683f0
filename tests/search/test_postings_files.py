"""The posting lists of a large segment's frequent words are kept in files beside
it: they equal Whoosh's blocks, searches score the same from them, damaged
files are not used, the indexer writes what is missing when it starts, and
Whoosh removes the files with the segment."""

from __future__ import annotations

import random

import numpy as np
import pytest

from schwarm.db import write_transaction
from search import enqueue, indexer, services, whoosh_columns, whoosh_postings, whoosh_sets
from search.indexing import get_backend
from tests.search.test_phrases import random_text

QUERIES = ("release", "Kunden Projekt", "Wissen", '"neue Release"', "management -release",
           "Montag customer planning")


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


@pytest.fixture(autouse=True)
def small_segments_get_files(monkeypatch):
    monkeypatch.setattr(whoosh_postings, "FREQUENT", 8)
    monkeypatch.setattr(whoosh_postings, "PERSIST_FROM", 50)
    monkeypatch.setattr(whoosh_columns, "PERSIST_FROM", 50)
    yield
    whoosh_postings.forget([])
    whoosh_columns.forget([])


@pytest.fixture
def segment(world, docs):
    """One segment of 300 documents (postings over several blocks of 128), a tenth
    of them deleted afterwards."""
    rng = random.Random(12)
    with write_transaction():
        for n in range(300):
            doc = docs.make("post", n, random_text(rng, rng.randint(0, 3)),
                            random_text(rng, rng.randint(3, 40)))
            docs.items[("post", doc.id)] = doc
            enqueue("post", n)
    with write_transaction():
        for n in range(0, 300, 10):
            docs.items.pop(("post", str(n)))
            enqueue("post", n, op="delete")
    return world


def _the_reader():
    backend = get_backend()
    with backend._searcher() as searcher:
        readers = [reader for _, reader, _ in backend._leaves(searcher)
                   if reader.doc_count_all() == 300]
    assert len(readers) == 1
    return readers[0]


def _files(reader):
    base = whoosh_postings._base(reader)
    return [type(base)(str(base) + suffix) for suffix in
            (whoosh_postings.IDS, whoosh_postings.WEIGHTS, whoosh_postings.TERMS)]


def _frequent_words(reader):
    return [(field, raw.decode()) for field in whoosh_postings.FIELDS
            for raw, info in reader.iter_field(field) if info.doc_frequency() >= 8]


def _results():
    out = []
    for query in QUERIES:
        page = services.search(None, q=query, limit=50)
        out.append((query, page.total, [(item["id"], item.get("score")) for item in page.items]))
    return out


def test_the_files_hold_exactly_what_whooshs_blocks_hold(segment):
    reader = _the_reader()
    assert all(path.exists() for path in _files(reader))  # written after the indexer's commit
    words = _frequent_words(reader)
    assert len(words) > 20
    for field, text in words:
        kept = whoosh_postings.lookup(reader, field, text)
        assert kept is not None, (field, text)
        ids, weights = whoosh_sets._read_postings(reader, field, text)
        assert kept[0].tolist() == ids.tolist() and kept[1].tolist() == weights.tolist()
    rare = [(field, raw.decode()) for field in whoosh_postings.FIELDS
            for raw, info in reader.iter_field(field) if info.doc_frequency() < 8]
    for field, text in [*rare, ("text_de", "nirgendwo")]:
        assert whoosh_postings.lookup(reader, field, text) is None


def test_searches_are_the_same_with_and_without_the_files(segment, monkeypatch):
    reader = _the_reader()
    with_files = _results()
    reads = []
    read = whoosh_sets._read_postings
    big = reader.segment().segment_id()
    monkeypatch.setattr(whoosh_sets, "_read_postings",  # reads of the large segment
                        lambda *args: (args[0].segment().segment_id() == big
                                       and reads.append(args[1:])) or read(*args))
    whoosh_sets._postings.clear()
    whoosh_sets._bitmaps.clear()
    assert _results() == with_files
    frequent = set(_frequent_words(reader))
    assert not [r for r in reads if r in frequent]  # frequent words came from the files

    for path in _files(reader):
        path.unlink()
    whoosh_postings.forget([])
    whoosh_sets._postings.clear()
    whoosh_sets._bitmaps.clear()
    assert _results() == with_files
    assert [r for r in reads if r in frequent]  # now from Whoosh's blocks


@pytest.mark.parametrize("damage", ["terms", "ids", "offsets"])
def test_damaged_files_are_not_used(segment, damage):
    reader = _the_reader()
    expected = _results()
    ids_path, _weights_path, terms_path = _files(reader)
    if damage == "terms":
        terms_path.write_bytes(b"not a zip file")
    elif damage == "ids":
        np.save(ids_path, np.zeros(3, dtype=np.int32))
    else:
        with np.load(terms_path) as stored:
            keys, offsets = stored["keys"], stored["offsets"]
        np.savez(terms_path, keys=keys, offsets=offsets[:-1])
    whoosh_postings.forget([])
    whoosh_sets._postings.clear()
    whoosh_sets._bitmaps.clear()
    assert whoosh_postings.lookup(reader, *_frequent_words(reader)[0]) is None
    assert _results() == expected


def test_the_indexer_writes_missing_files_when_it_starts(app, segment):
    reader = _the_reader()
    for path in _files(reader):
        path.unlink()
    whoosh_columns._path(reader).unlink()
    indexer._prepare_files(app)
    assert all(path.exists() for path in _files(reader))
    assert whoosh_columns._path(reader).exists()


def test_whoosh_removes_the_files_when_a_merge_retires_the_segment(segment):
    files = _files(_the_reader())
    get_backend()._index().optimize()
    assert not any(path.exists() for path in files)
    assert not list(files[0].parent.glob("*.part"))


def test_frequent_title_words_are_in_the_files_and_give_the_same_bitmap(segment):
    reader = _the_reader()
    titles = [(field, text) for field, text in _frequent_words(reader)
              if field.startswith("title_")]
    assert titles
    for field, text in titles:
        assert whoosh_postings.lookup(reader, field, text) is not None
        whoosh_sets._bitmaps.clear()
        from_files = whoosh_sets.term_bitmap(reader, field, text)
        whoosh_sets._bitmaps.clear()
        whoosh_postings.forget([])
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(whoosh_postings, "lookup", lambda *args: None)
            assert whoosh_sets.term_bitmap(reader, field, text) == from_files  # Whoosh's
        whoosh_sets._bitmaps.clear()


def test_files_written_before_the_titles_are_written_again(segment):
    """Files without the list of their fields (before titles were kept) are
    rewritten by the indexer's prepare step; current files are left alone."""
    reader = _the_reader()
    terms = _files(reader)[2]
    with np.load(terms) as stored:
        old = {"keys": stored["keys"], "offsets": stored["offsets"]}
    with open(terms, "wb") as out:
        np.savez(out, **old)
    read = whoosh_sets._read_postings
    assert whoosh_postings.prepare([reader], read) == 1
    assert whoosh_postings.prepare([reader], read) == 0
    with np.load(terms) as stored:
        assert stored["fields"].tolist() == list(whoosh_postings.FIELDS)
