"""Whoosh relevance: the candidates' BM25F scores are computed term by term with
numpy (``whoosh_sets.candidate_scores``); they must equal what Whoosh's own
scoring matcher gives for the same query, in every segment, with deletions,
across posting blocks, for words, inflected forms and phrases.
"""

from __future__ import annotations

import random

import pytest

from schwarm.db import write_transaction
from search import enqueue, services
from search.query import analyse, parse
from tests.search.test_phrases import random_text

QUERIES = ("release", "Kunden Projekt", "Wissen", '"neue Release"', '"neue Release" Kunde',
           '"Projekt Planung" "new release"', '"die neuen Kunden"', "management -release",
           "Montag customer planning")


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


@pytest.fixture
def corpus(world, docs):
    """A large segment (postings over several blocks of 128), small ones after it,
    and deleted documents in both."""
    rng = random.Random(4)
    with write_transaction():  # one drain: one segment of 400 documents
        for n in range(400):
            doc = docs.make("post", n, random_text(rng, rng.randint(0, 3)),
                            random_text(rng, rng.randint(3, 40)))
            docs.items[("post", doc.id)] = doc
            enqueue("post", doc.id)
    for first in range(400, 440, 5):  # eight small segments
        with write_transaction():
            for n in range(first, first + 5):
                doc = docs.make("page", n, random_text(rng, 2),
                                random_text(rng, rng.randint(3, 60)))
                docs.items[("page", doc.id)] = doc
                enqueue("page", doc.id)
    with write_transaction():
        for n in range(0, 440, 7):
            doc_type = "page" if n >= 400 else "post"
            docs.items.pop((doc_type, str(n)))
            enqueue(doc_type, n, op="delete")
    return world


def scores_by_key(text, score_segment) -> dict[str, float]:
    """Every match's score, by document key: ``score_segment(leaf, reader, found,
    docnums)`` scores one segment's matches (ascending docnums)."""
    import numpy as np

    from search import whoosh_sets
    from search.backend import Filters, Scope
    from search.indexing import get_backend

    out = {}
    with get_backend()._searcher() as searcher:
        for leaf, reader, _offset in get_backend()._leaves(searcher):
            found = whoosh_sets.matching(reader, text, Filters(), Scope.everything())
            docnums = whoosh_sets.bitmap_array(found).astype(np.int64)
            scores = score_segment(leaf, reader, found, docnums)
            for docnum, score in zip(docnums.tolist(), scores, strict=True):
                out[leaf.stored_fields(docnum)["key"]] = score
    return out


def matcher_scores(text) -> dict[str, float]:
    """The reference: Whoosh's scoring matcher moved from match to match."""
    from search import whoosh_sets
    from search.whoosh_support import ranking_query

    def walk(leaf, reader, found, docnums):
        gates = [whoosh_sets.phrase_bitmaps(reader, p, found) for p in text.phrases]
        matcher = ranking_query(text, gates).matcher(leaf, leaf.context())
        scores = []
        for docnum in docnums.tolist():
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
            assert matcher.id() == docnum
            scores.append(matcher.score())
        return scores

    return scores_by_key(text, walk)


def vector_scores(text) -> dict[str, float]:
    from search import whoosh_sets

    return scores_by_key(text, lambda leaf, reader, found, docnums: whoosh_sets.candidate_scores(
        leaf, reader, text, found, docnums).tolist())


def test_the_index_has_what_the_comparison_needs(corpus):
    from search.indexing import get_backend

    with get_backend()._searcher() as searcher:
        leaves = get_backend()._leaves(searcher)
        assert len(leaves) > 1
        assert any(reader.has_deletions() for _, reader, _ in leaves)
        assert max(reader.doc_frequency("text_de", "releas") for _, reader, _ in leaves) > 128


def test_candidate_scores_equal_whoosh_matcher_scores(corpus):
    for query in QUERIES:
        text = analyse(parse(query))
        expected = matcher_scores(text)
        got = vector_scores(text)
        assert expected, query
        assert got.keys() == expected.keys()
        for key, score in expected.items():
            assert got[key] == pytest.approx(score, rel=1e-12), (query, key)


def test_without_whoosh_block_reading_the_scores_are_the_same(corpus, monkeypatch):
    """Postings that are not Whoosh's on-disk matcher are walked one by one."""
    from search import whoosh_sets

    text = analyse(parse('"neue Release" Kunde'))
    expected = vector_scores(text)
    monkeypatch.setattr(whoosh_sets, "W3LeafMatcher", type("NotIt", (), {}))
    assert vector_scores(text) == pytest.approx(expected, rel=1e-12)


def test_top_scored_ranks_as_the_whoosh_matcher_did(corpus):
    from search import whoosh_sets
    from search.backend import Filters, Scope
    from search.indexing import get_backend
    from search.whoosh_support import ranking_query

    backend = get_backend()
    for query in QUERIES:
        text = analyse(parse(query))

        def ranking(reader, found, text=text):
            return ranking_query(text, [whoosh_sets.phrase_bitmaps(reader, p, found)
                                        for p in text.phrases])

        with backend._searcher() as searcher:
            per_segment = backend._matches(searcher, Scope.everything(), text, Filters())
            fast = whoosh_sets.top_scored(ranking, per_segment, text, 25)
            walked = whoosh_sets._top_scored_by_matcher(ranking, per_segment, text, 25)
        assert fast, query
        assert [docnum for _, docnum in fast] == [docnum for _, docnum in walked], query
        assert [score for score, _ in fast] == pytest.approx(
            [score for score, _ in walked], rel=1e-12)


def test_relevance_search_pages_through_every_match_once(corpus):
    seen: list[str] = []
    page = services.search(corpus.carla, "release", limit=20)
    total = page.total
    while True:
        seen += [item["id"] for item in page.items]
        if not page.next_cursor:
            break
        page = services.search(corpus.carla, "release", limit=20, cursor=page.next_cursor)
    assert len(seen) == len(set(seen)) == total


def test_deleting_a_document_keeps_the_segment_postings(corpus, docs, monkeypatch):
    """An edit deletes the old version of a document from its segment; the term's
    postings are not read from disk again, only its bitmap is derived again."""
    from search import whoosh_sets

    text = analyse(parse("release"))
    before = vector_scores(text)
    reads = []
    read = whoosh_sets._read_postings
    monkeypatch.setattr(whoosh_sets, "_read_postings",
                        lambda *args: reads.append(args[1:]) or read(*args))
    victim = next(key for key in before if key.startswith("post:"))
    docs.delete("post", victim.split(":")[1])
    after = vector_scores(text)
    assert victim not in after and after.keys() == before.keys() - {victim}
    assert not [r for r in reads if r[0] == "text_de" and r[1] == "releas"]


def test_set_bitmaps_of_a_segment_with_deleted_documents_equal_whoosh(world, docs):
    """Live, term and scope bitmaps are computed without Whoosh's per-document
    deletion filter; they must hold exactly what its filtered postings hold."""
    from search import whoosh_sets
    from search.indexing import get_backend

    with write_transaction():  # one segment of 300 documents in 7 groups and none
        for n in range(300):
            doc_type = "post" if n % 3 else "page"
            doc = docs.make(doc_type, n, f"Titel {n}", f"Text {n}", group=n % 8 or None)
            docs.items[(doc_type, doc.id)] = doc
            enqueue(doc_type, n)
    with write_transaction():
        for n in range(0, 300, 4):
            doc_type = "post" if n % 3 else "page"
            docs.items.pop((doc_type, str(n)))
            enqueue(doc_type, n, op="delete")
    backend = get_backend()
    with backend._searcher() as searcher:
        readers = [reader for _, reader, _ in backend._leaves(searcher)
                   if reader.doc_count_all() == 300]
        assert len(readers) == 1
        reader = readers[0]
        assert reader.has_deletions()
        size = reader.doc_count_all()
        assert whoosh_sets.live_bitmap(reader) == whoosh_sets.to_bitmap(reader.all_doc_ids(), size)
        tokens = [t.decode() for t in reader.lexicon("group")]
        assert len(tokens) == 8
        for field, values in (("group", tokens), ("type", ["post", "page"])):
            for value in values:
                whoosh_filtered = list(reader.postings(field, value).all_ids())
                assert whoosh_sets.term_bitmap(reader, field, value) \
                    == whoosh_sets.to_bitmap(whoosh_filtered, size)
        for chosen in (tokens[:1], tokens[2:5], tokens, []):
            union = 0
            for token in chosen:
                union |= whoosh_sets.term_bitmap(reader, "group", token)
            assert whoosh_sets.scope_bitmap(reader, frozenset(chosen)) == union
