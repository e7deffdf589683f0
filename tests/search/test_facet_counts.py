"""Facet counts of the Whoosh backend over several segments equal a plain count
of the matched documents' stored fields: the most frequent values first, equal
counts by value, cut at FACET_LIMIT; empty values and non-id groups not counted."""

from __future__ import annotations

import random
from collections import Counter

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
