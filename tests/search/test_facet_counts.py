"""Facet counts of the Whoosh backend over several segments equal a plain count
of the matched documents' stored fields: the most frequent values first, equal
counts by value, cut at FACET_LIMIT; empty values and non-id groups not counted."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from schwarm.db import write_transaction
from search import enqueue, whoosh_sets
from search.backend import FACET_LIMIT
from search.indexing import get_backend

TAGS = [f"tag{n:02}" for n in range(40)]  # more than FACET_LIMIT, many equal counts
AUTHORS = [f"author{n}" for n in range(25)]


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


@pytest.fixture
def segments(docs):
    """Three segments (three commits) of documents with random facets; one deleted."""
    rng = random.Random(3)
    n = 0
    for _commit in range(3):
        with write_transaction():
            for _ in range(60):
                n += 1
                doc_type = rng.choice(["post", "question", "comment", "page"])
                doc = docs.make(doc_type, n, f"Titel {n}", "Text",
                                group=rng.choice([None, 7, 8, 9]),
                                author=rng.choice([None, *AUTHORS]),
                                tags=rng.sample(TAGS, rng.randint(0, 4)))
                docs.items[(doc_type, doc.id)] = doc
                enqueue(doc_type, n)
    gone = next(key for key in docs.items if key[0] == "post")
    docs.delete(*gone)
    return docs


def _per_segment(choose):
    """(reader, bitmap of the chosen live documents, offset, leaf) per segment."""
    backend = get_backend()
    with backend._searcher() as searcher:
        leaves = backend._leaves(searcher)
        out = []
        for leaf, reader, offset in leaves:
            chosen = [d for d in reader.all_doc_ids() if choose(reader.stored_fields(d))]
            out.append((reader, whoosh_sets.to_bitmap(chosen, reader.doc_count_all()),
                        offset, leaf))
        stored = [reader.stored_fields(d) for _, reader, _ in leaves
                  for d in reader.all_doc_ids()]
    return out, [s for s in stored if choose(s)]


def _plainly(stored: list[dict]) -> dict[str, list[tuple[str, int]]]:
    counters = {
        "type": Counter(s["type"] for s in stored),
        "group": Counter(s["group"] for s in stored if s["group"].isdigit()),
        "author": Counter(s["author"] for s in stored if s["author"]),
        "tag": Counter(t for s in stored for t in s["tags"].split(",") if t),
    }
    return {name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
            for name, counter in counters.items()}


@pytest.mark.parametrize("choose", [
    lambda stored: True,
    lambda stored: stored["type"] in ("post", "page"),
    lambda stored: int(stored["obj_id"]) % 7 == 0,
    lambda stored: False,
], ids=["all", "two types", "a few", "none"])
def test_counts_equal_a_plain_count_of_the_matches(segments, choose):
    per_segment, stored = _per_segment(choose)
    assert len([reader for reader, *_ in per_segment]) >= 3
    assert whoosh_sets.facet_counts(per_segment) == _plainly(stored)


def test_the_cut_keeps_every_value_that_ties_and_orders_them_by_value(segments):
    per_segment, stored = _per_segment(lambda stored: True)
    tags = whoosh_sets.facet_counts(per_segment)["tag"]
    assert len(tags) == FACET_LIMIT
    every = Counter(t for s in stored for t in s["tags"].split(",") if t)
    last = tags[-1][1]
    # the values left out have at most the last count, and those with it sort after
    left_out = {tag: n for tag, n in every.items() if tag not in dict(tags)}
    assert all(n <= last for n in left_out.values())
    assert all(tag > tags[-1][0] for tag, n in left_out.items() if n == last)


def test_tags_counted_through_the_trie_equal_a_count_of_the_entries():
    """Any order of entries, repeated tags, documents without tags, any subset."""
    from search.whoosh_columns import tag_trie
    from search.whoosh_sets import _tag_counts

    rng = np.random.default_rng(11)
    size, distinct = 500, 9
    per_doc = rng.integers(0, 6, size)
    tag_docs = np.repeat(np.arange(size), per_doc)
    codes = rng.integers(0, distinct, len(tag_docs)).astype(np.int32)  # repeats too
    cols = {**tag_trie(tag_docs, codes, size)}
    assert len(cols["tag_node_parent"]) < len(tag_docs)
    for ids in (np.arange(size), np.flatnonzero(rng.random(size) < 0.3), np.arange(0)):
        chosen = np.isin(tag_docs, ids)
        expected = np.bincount(codes[chosen], minlength=distinct)
        assert _tag_counts(cols, ids, distinct).tolist() == expected.tolist()


def test_a_segment_without_tags_has_only_the_root():
    from search.whoosh_columns import tag_trie

    trie = tag_trie(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32), 4)
    assert trie["tag_doc_node"].tolist() == [0, 0, 0, 0]
    assert trie["tag_levels"].tolist() == [0, 1]
