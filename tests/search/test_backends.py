"""The shared search suite: every test runs on Whoosh and on PostgreSQL.

Content goes in through the outbox (``docs.add`` enqueues in a write
transaction and the after-commit drain applies it); queries go through
:func:`search.services.search`, as the views call it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from schwarm.errors import Invalid
from search import services
from tests.search.conftest import BASE_TIME, keys


@pytest.fixture
def app_config(backend):
    return {"SEARCH_BACKEND": backend}


def found(viewer, q, **kwargs) -> set[str]:
    return keys(services.search(viewer, q, **kwargs))


# --- analysis on real sentences -------------------------------------------------------------

SENTENCES = {
    "kunde": "Der Kunde hat sich gestern über die lange Lieferzeit beschwert.",
    "mitarbeiter": "Jeder neue Mitarbeiter bekommt am ersten Tag einen Laptop.",
    "email_de": "Bitte schickt eure Urlaubsanträge per E-Mail an das Sekretariat.",
    "email_en": "Please send the signed contract by email before Friday.",
    "prozess": "Der Prozess für Dienstreisen wurde im Frühjahr vereinfacht.",
    "qualitaet": "Die Qualität unserer Dokumentation muss besser werden.",
    "wissen": "Wissensmanagement ist das Thema des nächsten Workshops.",
    "running": "She is running the weekly sync while the team lead is away.",
    "kunst": "Im Foyer hängt jetzt Kunst aus der Sammlung einer Künstlerin.",
}


@pytest.fixture
def sentences(world, docs):
    for name, text in SENTENCES.items():
        docs.add("post", name, "", text, author=world.anna)
    return world


@pytest.mark.parametrize(("query", "expected"), [
    ("Kunden", "kunde"),
    ("Mitarbeitern", "mitarbeiter"),
    ("Mitarbeiterinnen", "mitarbeiter"),
    ("E-Mails", "email_de"),
    ("emails", "email_en"),
    ("Mail", "email_de"),
    ("Prozesse", "prozess"),
    ("Qualitaet", "qualitaet"),
    ("Wissen", "wissen"),
    ("runs", "running"),
])
def test_inflected_forms_umlauts_and_compound_parts_are_found(sentences, query, expected):
    assert f"post:{expected}" in found(sentences.carla, query)


def test_precision_kunde_is_not_kunst(sentences):
    assert "post:kunst" not in found(sentences.carla, "Kunde")


def test_all_words_must_match_and_minus_excludes(sentences, docs):
    docs.add("post", "both", "", "Der Kunde bekommt einen Laptop.")
    assert found(sentences.carla, "Kunde Laptop") == {"post:both"}
    assert found(sentences.carla, "Laptop -Kunde") == {"post:mitarbeiter"}


def test_phrases_keep_word_order(world, docs):
    docs.add("page", "a", "Plan", "Das zweite Quartal beginnt im April.")
    docs.add("page", "b", "Plan", "Im Quartal vor dem zweiten Release.")
    assert found(world.carla, '"zweites Quartal"') == {"page:a"}
    assert found(world.carla, "zweites Quartal") == {"page:a", "page:b"}


# --- ranking, snippets ------------------------------------------------------------------------


def test_title_match_outranks_body_mention(world, docs):
    docs.add("page", "body", "Allgemeines", "Hier steht nebenbei etwas zur Reisekostenabrechnung "
             "und vielen anderen Themen des Alltags im Büro.")
    docs.add("page", "title", "Reisekostenabrechnung", "Wie man Belege einreicht.")
    page = services.search(world.carla, "Reisekostenabrechnung")
    assert [item["id"] for item in page.items] == ["title", "body"]
    assert page.items[0]["score"] > page.items[1]["score"] > 0


def test_snippets_highlight_matches_and_escape_html(world, docs):
    docs.add("page", "x", "Security", 'Never paste <script>alert("x")</script> & '
             "other markup; the Kunden list is internal.")
    (item,) = services.search(world.carla, "Kunden").items
    assert "<mark>Kunden</mark>" in item["snippet_html"]
    assert "<script>" not in item["snippet_html"]
    assert "&lt;script&gt;" in item["snippet_html"]
    (item,) = services.search(world.carla, "script").items
    assert item["snippet_html"].replace("<mark>", "").replace("</mark>", "").count("<") == 0


# --- filters, facets, sorting, pagination ----------------------------------------------------


@pytest.fixture
def catalogue(world, docs):
    w = world
    docs.add("post", 1, "", "Budget 2024 für das Marketing", author=w.anna, tags=["budget"],
             group=w.town)
    docs.add("question", 2, "Budget für Reisen?", "Wer genehmigt das Budget?", author=w.ben,
             tags=["budget", "reisen"], extra={"answered": True})
    docs.add("page", "finance/budget", "Budgetplanung", "So planen wir das Budget.",
             author=w.anna, tags=["finance"])
    docs.add("comment", 3, "Budget für Reisen?", "Das Budget genehmigt die Leitung.",
             author=w.carla)
    docs.add("post", 4, "", "Geheimes Budget des Vorstands", author=w.anna, group=w.board,
             tags=["budget", "vorstand"])
    return w


def test_type_group_author_tag_filters(catalogue):
    w = catalogue
    assert found(w.ben, "Budget", types="question") == {"question:2"}
    assert found(w.ben, "Budget", types=["question", "page"]) == {"question:2",
                                                                   "page:finance/budget"}
    assert found(w.ben, "Budget", group="town") == {"post:1"}
    assert found(w.ben, "Budget", author="anna") == {"post:1", "page:finance/budget",
                                                     "post:4"}
    assert found(w.ben, "Budget", tag="#Budget") == {"post:1", "question:2", "post:4"}
    # the same filters written into the query
    assert found(w.ben, "Budget author:anna tag:budget") == {"post:1", "post:4"}
    assert found(w.ben, "type:comment") == {"comment:3"}


def test_filter_by_hidden_group_finds_nothing_and_reveals_nothing(catalogue):
    assert found(catalogue.carla, "Budget", group="board") == set()
    assert found(catalogue.carla, "Budget", group="no-such-group") == set()
    assert found(catalogue.ben, "Budget", group="board") == {"post:4"}


def test_date_range(world, docs):
    docs.add("post", "old", "", "Jahresplanung alt", created_at=BASE_TIME - timedelta(days=40))
    docs.add("post", "new", "", "Jahresplanung neu", created_at=BASE_TIME + timedelta(days=1))
    assert found(world.carla, "Jahresplanung", since="2024-03-01") == {"post:new"}
    assert found(world.carla, "Jahresplanung", until="2024-01-31") == {"post:old"}
    assert found(world.carla, "Jahresplanung", since="2024-01-21", until="2024-01-21") == {
        "post:old"}
    with pytest.raises(Invalid):
        services.search(world.carla, "Jahresplanung", since="gestern")


def test_facets_count_permitted_results_only(catalogue):
    page = services.search(catalogue.carla, "Budget")
    assert page.total == 4
    facets = {name: {v.value: v.count for v in values} for name, values in page.facets.items()}
    assert facets["type"] == {"post": 1, "question": 1, "page": 1, "comment": 1}
    assert facets["group"] == {"town": 1}
    assert facets["author"] == {"anna": 2, "ben": 1, "carla": 1}
    assert facets["tag"] == {"budget": 2, "reisen": 1, "finance": 1}
    member = services.search(catalogue.ben, "Budget")
    assert member.total == 5
    assert {v.value: v.count for v in member.facets["tag"]}["vorstand"] == 1
    assert {v.value for v in member.facets["group"]} == {"town", "board"}


def test_facet_values_are_marked_selected(catalogue):
    page = services.search(catalogue.ben, "Budget", types="question")
    assert [(v.value, v.selected) for v in page.facets["type"]] == [("question", True)]


def test_relevance_pages_by_offset_without_gaps_or_repeats(world, docs):
    for i in range(7):
        docs.add("post", i, "", "Teamevent " + "Grillen " * i)
    seen, cursor = [], None
    while True:
        page = services.search(world.carla, "Teamevent", limit=3, cursor=cursor)
        assert page.total == 7
        seen += [item["id"] for item in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == [str(i) for i in range(7)]


def test_date_sort_pages_by_created_at_and_key_even_on_ties(world, docs):
    same = BASE_TIME + timedelta(days=3)
    for i in range(5):
        docs.add("post", f"tie{i}", "", "Statusbericht", created_at=same)
    for i in range(3):
        docs.add("post", f"old{i}", "", "Statusbericht",
                 created_at=BASE_TIME - timedelta(days=i + 1))
    seen, cursor = [], None
    while True:
        page = services.search(world.carla, "Statusbericht", sort="date", limit=2,
                               cursor=cursor)
        assert page.total == 8
        seen += [item["id"] for item in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ["tie4", "tie3", "tie2", "tie1", "tie0", "old0", "old1", "old2"]


def test_filters_without_words_list_newest_first(catalogue):
    page = services.search(catalogue.ben, "", tag="budget")
    assert page.sort == "date"
    assert [item["id"] for item in page.items] == ["4", "2", "1"]


@pytest.mark.parametrize("cursor", ["nonsense", "WyJyIiwgLTUsICIiXQ", "WyJkIiwgIngiLCAieSJd"])
def test_bad_cursors_are_refused(world, cursor):
    with pytest.raises(Invalid):
        services.search(world.carla, "x", cursor=cursor)


# --- updates and deletes go through the outbox ------------------------------------------------


def test_updates_replace_and_deletes_remove(world, docs):
    docs.add("page", "p", "Urlaub", "Urlaubsantrag stellen")
    docs.add("page", "p", "Urlaub", "Antrag auf Elternzeit")
    assert found(world.carla, "Urlaubsantrag") == set()
    assert found(world.carla, "Elternzeit") == {"page:p"}
    docs.delete("page", "p")
    assert found(world.carla, "Elternzeit") == set()
    docs.add("page", "q", "Gone", "Verschwunden")
    docs.items.clear()  # the object vanished without a delete: the loader yields nothing
    docs.add("page", "r", "Other", "anders")
    docs.items.clear()
    from schwarm.db import write_transaction
    from search import enqueue

    with write_transaction():
        enqueue("page", "q")
    assert found(world.carla, "Verschwunden") == set()


def test_people_and_groups_are_indexed_and_follow_changes(world):
    from schwarm.accounts import services as accounts
    from schwarm.groups import services as groups

    accounts.update_profile(world.carla, accounts.ProfileChange(
        title="Controllerin", department="Finanzen", expertise=["sap", "steuern"]))
    assert f"user:{world.carla.id}" in found(world.anna, "Finanzen")
    assert f"user:{world.carla.id}" in found(world.anna, "sap", types="user")
    groups.update_group(world.anna, world.town, name="Marktplatz")
    assert found(world.carla, "Marktplatz", types="group") == {f"group:{world.town.id}"}
    assert found(world.carla, "Vorstand", types="group") == set()  # private: description hidden
    assert found(world.ben, "Vorstand", types="group") == {f"group:{world.board.id}"}


# --- did you mean, suggestions, similar --------------------------------------------------------


def test_did_you_mean_suggests_a_known_word(world, docs):
    docs.add("page", "x", "Urlaubsplanung", "Die Urlaubsplanung für den Sommer.")
    page = services.search(world.carla, "Urlaubsplanumg")
    assert page.total == 0
    assert page.suggestion == "urlaubsplanung"
    assert services.search(world.carla, "Urlaubsplanung").suggestion is None


def test_did_you_mean_never_offers_a_word_only_hidden_content_has(world, docs):
    docs.add("post", "secret", "", "Projekt Zeppelinflug startet", group=world.board)
    assert services.search(world.carla, "Zeppelinflg").suggestion is None
    assert services.search(world.ben, "Zeppelinflg").suggestion == "zeppelinflug"


def test_suggestions_offer_titles_and_tags_the_viewer_may_see(world, docs):
    docs.add("page", "hr/onboarding", "Onboarding Checkliste", "...", tags=["onboarding"])
    docs.add("page", "board/onboarding", "Onboarding Vorstand", "...", group=world.board,
             tags=["onboardingvorstand"])
    labels = {(s.type, s.label) for s in services.suggest(world.carla, "Onbo")}
    assert labels == {("page", "Onboarding Checkliste"), ("tag", "#onboarding")}
    labels = {s.label for s in services.suggest(world.ben, "onbo")}
    assert {"Onboarding Vorstand", "#onboardingvorstand"} <= labels
    assert {s.label for s in services.suggest(world.carla, "Carla")} == {"Carla Gamma"}
    assert {s.label for s in services.suggest(world.carla, "Town")} == {"Town Square"}
    assert services.suggest(world.carla, "Boa") == []  # the private group
    assert services.suggest(world.carla, "x") == []  # too short to be useful


def test_similar_finds_questions_and_pages_the_viewer_may_see(world, docs):
    docs.add("question", 1, "Wie rechne ich Reisekosten ab?",
             "Ich war auf Dienstreise und weiß nicht, wie die Reisekostenabrechnung geht.",
             extra={"answered": True})
    docs.add("page", "reisekosten", "Reisekostenabrechnung",
             "Belege sammeln, Formular ausfüllen, Reisekosten einreichen.")
    docs.add("question", 2, "Reisekosten im Vorstand", "Reisekosten des Vorstands",
             group=world.board)
    docs.add("post", 3, "", "Reisekosten sind wichtig.")
    docs.add("question", 4, "Wo ist der Drucker?", "Der Drucker im zweiten Stock.")
    hits = services.similar(world.carla, "Wie bekomme ich meine Reisekosten erstattet?")
    assert {(h["type"], h["id"]) for h in hits} == {("question", "1"),
                                                    ("page", "reisekosten")}
    assert next(h for h in hits if h["type"] == "question")["extra"]["answered"] is True
    member_hits = services.similar(world.ben, "Reisekosten", types=("question",))
    assert {h["id"] for h in member_hits} == {"1", "2"}
    assert services.similar(world.carla, "   ") == []
    with pytest.raises(Invalid):
        services.similar(world.carla, "x", types=("secret",))


def test_very_broad_queries_rank_title_matches_and_recent_documents(world, docs, monkeypatch):
    """Above SCORE_ALL matches, both backends rank only the newest title matches and
    the newest matches (search.backend); an old title match still comes first."""
    from search import backend

    monkeypatch.setattr(backend, "SCORE_ALL", 5)
    monkeypatch.setattr(backend, "RECENT_WINDOW", 3)
    docs.add("page", "title", "Inventur", "Zählung im Lager.",
             created_at=BASE_TIME - timedelta(days=300))
    for i in range(12):
        docs.add("post", f"b{i}", "", f"Heute ist Inventur im Lager Nummer {i}.")
    page = services.search(world.carla, "Inventur", limit=3)
    assert page.total == 13  # totals and facets stay exact
    assert page.items[0]["id"] == "title"
    assert len(page.items) == 3 and page.next_cursor


def test_broad_query_windows_are_the_whole_index_not_each_segment(world, docs, monkeypatch,
                                                                   backend):
    """A rebuild in several processes leaves several large segments; the windows of
    the newest matches still count across all of them."""
    from search import backend as search_backend
    from search import indexing

    monkeypatch.setattr(search_backend, "SCORE_ALL", 5)
    monkeypatch.setattr(search_backend, "RECENT_WINDOW", 3)
    monkeypatch.setattr(search_backend, "TITLE_WINDOW", 1)
    if backend == "whoosh":  # every commit its own segment: none are merged
        from whoosh.writing import SegmentWriter

        commit = SegmentWriter.commit
        monkeypatch.setattr(SegmentWriter, "commit",
                            lambda self, *args, **kwargs: commit(self, merge=False))
    docs.add("page", "title", "Inventur", "Zählung im Lager.",
             created_at=BASE_TIME - timedelta(days=300))
    for i in range(12):
        docs.add("post", f"b{i:02}", "", f"Heute ist Inventur im Lager Nummer {i}.")
    if backend == "whoosh":
        with indexing.get_backend()._searcher() as searcher:
            assert len(searcher.leaf_searchers()) > 3
    page = services.search(world.carla, "Inventur", limit=20)
    assert page.total == 13
    assert [item["id"] for item in page.items][0] == "title"
    assert {item["id"] for item in page.items} == {"title", "b11", "b10", "b09"}
