"""Whoosh reads the files inside a compound segment from the segment's mmap: a
searcher no longer copies the postings into memory when it opens."""

from __future__ import annotations

import io
import random
import tracemalloc

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

import search.whoosh_backend  # noqa: F401  (applies the Whoosh patches)
from search.whoosh_support import MemoryReader


def _operations(rng: random.Random, size: int):
    for _ in range(300):
        kind = rng.choice(["read", "read", "readline", "seek", "seek_cur", "seek_end", "all"])
        if kind == "read":
            yield ("read", rng.choice([0, 1, 3, 17, 200, size * 2]))
        elif kind == "readline":
            yield ("readline", rng.choice([-1, -1, 5, 1000]))
        elif kind == "seek":
            yield ("seek", rng.randint(0, size + 10), 0)
        elif kind == "seek_cur":
            yield ("seek", rng.randint(-5, 40), 1)
        elif kind == "seek_end":
            yield ("seek", -rng.randint(0, size), 2)
        else:
            yield ("read", -1)


def test_the_memory_reader_reads_what_bytesio_reads():
    rng = random.Random(3)
    data = bytes(rng.choice(b"abc\n\x00\xff") for _ in range(3000))
    ours, theirs = MemoryReader(memoryview(data)), io.BytesIO(data)
    for operation, *args in _operations(rng, len(data)):
        if operation == "seek" and theirs.tell() + args[0] < 0 and args[1] == 1:
            continue  # BytesIO refuses too, differently worded
        assert getattr(ours, operation)(*args) == getattr(theirs, operation)(*args)
        assert ours.tell() == theirs.tell()
    ours.seek(0)
    theirs.seek(0)
    assert list(ours) == list(theirs)
    with pytest.raises(ValueError):
        ours.seek(-1)
    ours.close()
    assert ours.closed


def test_opening_a_searcher_does_not_copy_the_segment(tmp_path):
    schema = Schema(key=ID(stored=True, unique=True), body=TEXT)
    ix = whoosh_index.create_in(str(tmp_path), schema)
    rng = random.Random(5)
    words = [f"w{n}" for n in range(3000)]
    with ix.writer() as writer:
        for n in range(3000):
            writer.add_document(key=str(n), body=" ".join(rng.choices(words, k=60)))
    segment_files = list(tmp_path.glob("*.seg"))
    assert len(segment_files) == 1  # one compound segment, read through its mmap
    size = segment_files[0].stat().st_size
    assert size > 1_000_000

    tracemalloc.start()
    try:
        with ix.searcher() as searcher:
            assert searcher.doc_count() == 3000
            assert len(list(searcher.postings("body", "w7").all_ids())) > 0
            _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size / 4, (peak, size)  # BytesIO copied the postings file: over half
    ix.close()
