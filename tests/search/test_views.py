"""The search page and the suggestion endpoint, through the HTTP client."""

from __future__ import annotations

import pytest

from search.query import MAX_QUERY_CHARS


@pytest.fixture
def signed_in(world, docs, auth):
    docs.add("page", "reisen", "Reisekosten <b>abrechnen</b>",
             "So rechnest du Reisekosten ab: Belege & Formular.", author=world.anna,
             tags=["reisen", "finanzen"])
    docs.add("question", 7, "Reisekosten für Bahncard?", "Wer zahlt die Bahncard? Reisekosten",
             author=world.ben, tags=["reisen"], extra={"answered": True})
    docs.add("post", 8, "", "Reisekosten im Vorstand", group=world.board, author=world.anna)
    auth.login("carla")
    return world


def test_results_with_snippets_facets_and_help(client, signed_in):
    response = client.get("/search?q=Reisekosten")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 results" in html
    assert "<mark>Reisekosten</mark>" in html
    assert "Reisekosten &lt;b&gt;abrechnen&lt;/b&gt;" in html  # titles are escaped
    assert "Vorstand" not in html  # private content of a group carla is not in
    assert "answered" in html
    assert 'href="/search?q=Reisekosten&amp;type=question"' in html  # a facet filter link
    assert "#finanzen" in html
    for syntax in ("author:anna", "tag:onboarding", "group:sales", "type:question",
                   "exact phrase"):
        assert syntax in html


def test_filter_links_narrow_and_mark_the_choice(client, signed_in):
    html = client.get("/search?q=Reisekosten&type=question").get_data(as_text=True)
    assert "1 result" in html
    assert 'aria-current="true"' in html
    assert 'href="/search?q=Reisekosten"' in html  # clicking the chosen facet removes it


def test_sort_by_date_and_pagination(client, signed_in, docs):
    for i in range(25):
        docs.add("post", f"n{i}", "", f"Kantine Speiseplan Woche {i}")
    html = client.get("/search?q=Speiseplan&sort=date").get_data(as_text=True)
    assert "25 results" in html and "Woche 24" in html and "Woche 4" not in html
    assert 'rel="next"' in html
    next_url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert "Woche 4" in second and "Woche 24" not in second and "First page" in second


def test_did_you_mean_link(client, signed_in):
    html = client.get("/search?q=Reisekostn").get_data(as_text=True)
    assert "Did you mean" in html and 'href="/search?q=reisekosten"' in html


def test_empty_states(client, signed_in):
    html = client.get("/search").get_data(as_text=True)
    assert "What are you looking for?" in html
    html = client.get("/search?q=Quantenphysik&type=page").get_data(as_text=True)
    assert "Nothing found that you may see" in html
    assert "Search again without filters" in html


HOSTILE = [
    '"unbalanced', "author:", "foo:bar", "title:secret", "*", "?", "a*b?", "((((", ")",
    "AND OR NOT", "\x01\x02\x7f", "\u202egnp.exe", "-", "--", '""', "tag:#", "type:evil",
    "group:does-not-exist", 'author:"', "'; DROP TABLE search_document; --", "\\", "%_",
    "🦄 Einhorn", "x" * MAX_QUERY_CHARS, "Straße:xyz", "<script>alert(1)</script>",
    "a" * 300, "&#x3C;", "type:page type:group type:user", "{}[]^~:!",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, signed_in, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("args", [
    {"q": "x" * 10_000}, {"q": "Reisekosten", "type": "spaceship"},
    {"q": "Reisekosten", "since": "yesterday"}, {"q": "Reisekosten", "cursor": "%%%"},
    {"q": "Reisekosten", "sort": "random"},
])
def test_bad_input_gets_a_clear_message_not_a_500(client, signed_in, args):
    response = client.get("/search", query_string=args)
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)


def test_nul_bytes_are_refused(client, signed_in):
    assert client.get("/search?q=a%00b").status_code == 400


def test_search_needs_signing_in(client, world):
    assert client.get("/search?q=x").status_code == 302
    assert client.get("/search/suggest?q=xy").status_code == 302


def test_suggest_json(client, signed_in):
    data = client.get("/search/suggest?q=Reise").get_json()
    assert {"type": "page", "label": "Reisekosten <b>abrechnen</b>", "url": "/wiki/reisen",
            "type_label": "Wiki page"} in data["items"]
    assert {"type": "tag", "label": "#reisen", "url": "/tags/reisen",
            "type_label": "Tag"} in data["items"]
    assert client.get("/search/suggest?q=Vorst").get_json() == {"items": []}
    assert client.get("/search/suggest?q=" + "x" * 5000).status_code == 200


def test_the_page_has_no_inline_script(client, signed_in):
    response = client.get("/search?q=Reisekosten")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.get_data(as_text=True)


def test_health_check_covers_the_index(app, client):
    import shutil

    from search import indexing

    assert client.get("/healthz").get_json()["checks"]["index"] == "ok"
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    indexing.get_backend()._indexes.clear()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "index": "error"}
