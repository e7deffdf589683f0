"""Phrase search: what a quoted phrase finds, on both backends, and on Whoosh that
the pair-term lookup finds exactly what a positional phrase query finds.

The Whoosh backend finds a two-word phrase as one term of ``pairs_de``/
``pairs_en`` (two terms at consecutive positions) and a longer phrase as the
AND of its pairs, checked by positions; these tests pin that the results are
those of Whoosh's own phrase query over ``text_de``/``text_en``.
"""

from __future__ import annotations

import random

import pytest

from search import services
from search.analysis import PairAnalyzer, english_analyzer, german_analyzer
from search.query import analyse, parse
from tests.search.conftest import keys


@pytest.fixture
def app_config(backend):
    return {"SEARCH_BACKEND": backend}


def found(viewer, q, **kwargs) -> set[str]:
    return keys(services.search(viewer, q, **kwargs))


@pytest.fixture
def releases(world, docs):
    docs.add("post", "exact", "Plan", "Das neue Release kommt am Montag.")
    docs.add("post", "reversed", "Plan", "Das Release bringt neue Software.")
    docs.add("post", "between", "Plan", "Die neue große Release-Planung.")
    docs.add("post", "inflected", "Plan", "Wir feiern die neuen Releases.")
    return world


def test_two_word_phrase_keeps_order_and_adjacency(releases):
    assert found(releases.carla, '"neue Release"') == {"post:exact", "post:inflected"}
    assert found(releases.carla, '"Release neue"') == set()
    # the words alone are in all of them
    assert len(found(releases.carla, "neue Release")) == 4


def test_phrase_total_counts_only_phrase_matches(releases):
    page = services.search(releases.carla, '"neue Release"')
    assert page.total == 2
    assert [(f.value, f.count) for f in page.facets["type"]] == [("post", 2)]


def test_stop_words_inside_a_phrase_do_not_count_as_words(releases):
    # "das" is a stop word: the phrase is "neue Release"
    assert found(releases.carla, '"das neue Release"') == {"post:exact", "post:inflected"}


def test_three_word_phrase_needs_all_three_in_a_row(world, docs):
    docs.add("post", "row", "", "Das neue Release Management beginnt.")
    # every pair of the phrase is in it, but never all three in a row
    docs.add("post", "pairs", "", "Ein neue Release. Später: Release Management.")
    docs.add("post", "order", "", "Management neue Release.")
    assert found(world.carla, '"neue Release Management"') == {"post:row"}
    assert found(world.carla, '"Release Management"') == {"post:row", "post:pairs"}


def test_german_compounds_and_stems_in_phrases(world, docs):
    docs.add("post", "compound", "", "Unser Wissensmanagement Projekt startet.")
    docs.add("post", "apart", "", "Wissen und Management im Projekt.")
    docs.add("post", "feminine", "", "Die neuen Mitarbeiterinnen kommen.")
    assert found(world.carla, '"Wissensmanagement Projekt"') == {"post:compound"}
    assert found(world.carla, '"neue Mitarbeiter"') == {"post:feminine"}
    assert found(world.carla, '"neuen Mitarbeiterinnen"') == {"post:feminine"}


def test_phrase_with_filters_exclusions_and_permissions(world, docs):
    docs.add("post", "open", "", "Das neue Release ist da.")
    docs.add("question", "asked", "", "Wann kommt das neue Release?", tags=["fragen"])
    docs.add("post", "secret", "", "Das neue Release im Vorstand.", group=world.board)
    docs.add("post", "excluded", "", "Das neue Release mit Fehlern.")
    q = '"neue Release"'
    assert found(world.carla, q) == {"post:open", "question:asked", "post:excluded"}
    assert found(world.ben, q) == {"post:open", "question:asked", "post:secret",
                                   "post:excluded"}
    assert found(world.carla, q, types="question") == {"question:asked"}
    assert found(world.carla, q, tag="fragen") == {"question:asked"}
    assert found(world.carla, q + " -Fehler") == {"post:open", "question:asked"}
    assert found(world.ben, q, group="board") == {"post:secret"}
    assert services.search(world.carla, q).total == 3


def test_phrase_and_words_together(releases, docs):
    docs.add("post", "monday", "", "Montag: neue Release-Notes und ein neues Release.")
    assert found(releases.carla, '"neue Release" Montag') == {"post:exact", "post:monday"}


def test_updated_and_deleted_documents_leave_the_phrase(releases, docs):
    docs.add("post", "exact", "Plan", "Das Release kommt neu am Montag.")
    docs.delete("post", "inflected")
    assert found(releases.carla, '"neue Release"') == set()


# --- Whoosh: the pair terms --------------------------------------------------------------------


def pairs(analyzer, text: str) -> set[str]:
    return {t.text for t in PairAnalyzer(analyzer)(text, mode="index")}


def test_pair_analyzer_pairs_neighbours_after_stop_words(app):
    assert pairs(german_analyzer(), "Das neue Release.") == {"neu releas"}
    assert pairs(english_analyzer(), "The new releases of it") == {"new releas"}
    assert pairs(german_analyzer(), "Release neu") == {"releas neu"}
    assert pairs(german_analyzer(), "Release") == set()


def test_pair_analyzer_pairs_every_part_sharing_a_position(app):
    found_pairs = pairs(german_analyzer(), "neues Wissensmanagement heute")
    # the compound and its parts all stand at the compound's position
    assert {"neu wissensmanagement", "neu management", "management heut",
            "wissensmanagement heut"} <= found_pairs
    assert "wissensmanagement management" not in found_pairs
    assert pairs(german_analyzer(), "neue E-Mail") >= {"neu email"}


VOCABULARY = ("neue Release Kunde Kunden Projekt Wissensmanagement Management Wissen "
              "E-Mail Mitarbeiterinnen Mitarbeiter das der die und it IT the new "
              "release releases planning Planung Projekt-Planung customer Montag").split()
PUNCTUATION = ("", "", "", ".", ",", "!", "\n")


def random_text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCABULARY) + rng.choice(PUNCTUATION) for _ in range(words))


def whoosh_phrase_matches(phrase) -> set[str]:
    """What Whoosh's positional phrase query (the former implementation) finds."""
    from search.indexing import get_backend
    from search.whoosh_support import phrase_query

    backend = get_backend()
    with backend._searcher() as searcher:
        hits = searcher.search(phrase_query(phrase), limit=None)
        return {hit["key"] for hit in hits}


def pair_phrase_matches(phrase) -> set[str]:
    from search import whoosh_sets
    from search.indexing import get_backend

    backend = get_backend()
    out = set()
    with backend._searcher() as searcher:
        for leaf, reader, _offset in backend._leaves(searcher):
            for docnum in whoosh_sets.bitmap_ids(whoosh_sets.phrase_bitmap(reader, phrase)):
                out.add(leaf.stored_fields(docnum)["key"])
    return out


@pytest.mark.parametrize("backend", ["whoosh"])
def test_pair_lookup_equals_positional_phrase_query(world, docs, backend):
    rng = random.Random(5)
    texts = []
    for n in range(80):
        title, body = random_text(rng, 3), random_text(rng, rng.randint(4, 25))
        texts.append(f"{title} {body}")
        docs.add("post", n, title, body)
    docs.delete("post", 3)
    phrases = set()
    for _ in range(150):
        words = rng.choice(texts).replace("\n", " ").split()
        size = rng.choice((2, 2, 3, 4))
        start = rng.randrange(max(1, len(words) - size))
        phrases.add(" ".join(words[start:start + size]))
        phrases.add(" ".join(rng.choice(VOCABULARY) for _ in range(size)))
    checked = 0
    for text in sorted(phrases):
        for phrase in analyse(parse(f'"{text}"')).phrases:
            expected = whoosh_phrase_matches(phrase)
            assert pair_phrase_matches(phrase) == expected, text
            if len(analyse(parse(f'"{text}"')).phrases) == 1:  # and so does the search
                assert found(world.carla, f'"{text}"', limit=100) == expected, text
            checked += 1 if expected else 0
    assert checked > 50  # most phrases were found somewhere


@pytest.mark.parametrize("backend", ["whoosh"])
def test_phrase_across_sentences_and_title_is_positional_as_before(world, docs, backend):
    # positions run on over punctuation and from the title into the body, as
    # Whoosh's phrase query always did; the pair terms keep that
    docs.add("post", "sentence", "", "Das ist neu. Release am Montag.")
    docs.add("post", "title", "Alles neue", "Release am Montag.")
    docs.add("post", "far", "Neue Woche", "Wir planen. Dann kommt das Release.")
    assert found(world.carla, '"neue Release"') == {"post:sentence", "post:title"}
    for phrase in analyse(parse('"neue Release"')).phrases:
        assert pair_phrase_matches(phrase) == whoosh_phrase_matches(phrase)


def scores(make_query, text) -> dict[str, float]:
    """Score of every match of ``text`` under the query ``make_query(reader, found)``."""
    from search import whoosh_sets
    from search.backend import Filters, Scope
    from search.indexing import get_backend

    backend = get_backend()
    out = {}
    with backend._searcher() as searcher:
        for leaf, reader, _offset in backend._leaves(searcher):
            found = whoosh_sets.matching(reader, text, Filters(), Scope.everything())
            matcher = make_query(reader, found).matcher(leaf, leaf.context())
            for docnum in whoosh_sets.bitmap_ids(found):
                if matcher.is_active() and matcher.id() < docnum:
                    matcher.skip_to(docnum)
                assert matcher.is_active() and matcher.id() == docnum
                out[leaf.stored_fields(docnum)["key"]] = matcher.score()
    return out


@pytest.mark.parametrize("backend", ["whoosh"])
def test_phrases_score_as_whoosh_phrase_queries_did(world, docs, backend):
    from search import whoosh_sets
    from search.query import TextQuery
    from search.whoosh_support import ranking_query, text_query

    rng = random.Random(9)
    for n in range(60):
        docs.add("post", n, random_text(rng, 3), random_text(rng, rng.randint(4, 30)))
    compared = 0
    for q in ('"neue Release"', '"neue Release" Projekt', '"die neuen Kunden"',
              '"Projekt Planung" "new release"', '"the new release"', '"neue Release Kunde"',
              '"Wissensmanagement Projekt"', '"IT Management"'):
        text = analyse(parse(q))

        def positional(reader, found, text=text):
            return text_query(TextQuery(words=text.words, phrases=text.phrases))

        def gated(reader, found, text=text):
            return ranking_query(text, [whoosh_sets.phrase_bitmaps(reader, p, found)
                                        for p in text.phrases])

        before, after = scores(positional, text), scores(gated, text)
        assert before.keys() == after.keys()
        for key, score in before.items():
            assert after[key] == pytest.approx(score, rel=1e-12), (q, key)
        compared += len(before)
    assert compared > 20
