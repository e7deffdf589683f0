"""Whoosh posting blocks: ids and weights read without the values must equal
what Whoosh's own reading (unpickling the whole block) gives."""

from __future__ import annotations

import pickle
import random
import zlib

import numpy as np
import pytest

from search.whoosh_blocks import ids_and_weights


def whoosh_block(deltas, weights, values, compress=True) -> bytes:
    """A block as ``W3PostingsWriter._write_block`` stores it."""
    data = pickle.dumps((tuple(deltas), weights, values), 2)
    return zlib.compress(data, 1) if compress else data


def expected(deltas, weights, count):
    ids = np.cumsum(np.array(deltas, dtype=np.int64))
    if weights is None:
        weights = [1.0] * count
    elif isinstance(weights, float):
        weights = [weights] * count
    return ids, np.asarray(weights, dtype=np.float32)


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("count", [4, 5, 77, 128])
@pytest.mark.parametrize("gaps", ["small", "mixed", "wide"])
@pytest.mark.parametrize("weights", ["none", "one", "varied"])
def test_block_ids_and_weights_equal_whoosh_reading(compress, count, gaps, weights):
    rng = random.Random(f"{count}{gaps}{weights}")
    top = {"small": 255, "mixed": 70_000, "wide": 2**31 - 1}[gaps]
    deltas = [rng.randint(0, 3_000_000)] + [rng.randint(1, top if rng.random() < 0.3 else 255)
                                            for _ in range(count - 1)]
    weight = {"none": None, "one": 3.0,
              "varied": tuple(float(rng.randint(1, 9)) for _ in range(count))}[weights]
    values = tuple(b"\x00\x00\x00\x01" + pickle.dumps([rng.randint(0, 500)], 2)[:-1]
                   for _ in range(count))
    ids, got_weights = ids_and_weights(whoosh_block(deltas, weight, values, compress),
                                       count, compress)
    want_ids, want_weights = expected(deltas, weight, count)
    assert ids.dtype == np.int64 and got_weights.dtype == np.float32
    assert np.array_equal(ids, want_ids) and np.array_equal(got_weights, want_weights)


def test_blocks_not_in_the_expected_form_are_left_to_whoosh():
    three = whoosh_block([5, 1, 1], None, None)  # TUPLE3, no MARK
    assert ids_and_weights(three, 3, True) is None
    wrong_count = whoosh_block([5, 1, 1, 1, 1], None, None)
    assert ids_and_weights(wrong_count, 4, True) is None
    assert ids_and_weights(wrong_count, 6, True) is None
    ints_as_weights = whoosh_block([5, 1, 1, 1], (1, 2, 3, 4), None)
    assert ids_and_weights(ints_as_weights, 4, True) is None
    assert ids_and_weights(b"not zlib at all", 4, True) is None
    assert ids_and_weights(pickle.dumps(((5, 1, 1, 1), None, None), 4), 4, False) is None


def test_every_block_of_a_real_index_reads_as_whoosh_reads_it(tmp_path):
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage

    rng = random.Random(3)
    words = [f"wort{n}" for n in range(40)]
    schema = Schema(key=ID(stored=True), body=TEXT)
    ix = FileStorage(str(tmp_path)).create().create_index(schema)
    with ix.writer() as writer:
        for n in range(3000):
            # Zipf-like: a few words in most documents, the rest rarer
            text = " ".join(words[min(int(rng.paretovariate(0.7)) - 1, 39)]
                            for _ in range(rng.randint(1, 12)))
            writer.add_document(key=str(n), body=text)
    fast = slow = 0
    with ix.reader() as reader:
        for _, text in reader.all_terms():
            if _ != "body":
                continue
            matcher = reader.postings("body", text)
            while not matcher._atend:
                got = ids_and_weights(
                    matcher._postfile.get(matcher._dataoffset,
                                          matcher._nextoffset - matcher._dataoffset),
                    matcher._blocklength, bool(matcher._compression))
                matcher._read_ids()
                matcher._read_weights()
                if got is None:
                    slow += 1
                else:
                    fast += 1
                    assert got[0].tolist() == list(matcher._ids)
                    assert got[1].tolist() == list(matcher._weights)
                matcher._next_block()
    assert fast > 50 and slow <= fast // 10
