"""Performance by design: statement counts that do not grow with history, no
revision bodies loaded for page views and history, and capped diffs."""

from __future__ import annotations

import re

import pytest

from schwarm.groups.services import add_member, create_group
from wiki import diffing

_REVISION_BODY = re.compile(r"wiki_revision\.body\b")
_PAGE_TEXT = re.compile(r"wiki_page\.body(_html)?\b")


@pytest.fixture
def page_with_history(users, auth, wiki):
    owner, reader = users.make("olga"), users.make("rita")
    group = create_group(owner, "team", "Team", visibility="private")
    add_member(owner, group, reader)
    wiki.create(owner, "team", "Team home\n", title="Team", group="team")
    wiki.create(owner, "team/guide", "[[team]] line\n", title="Guide", group="team")
    for n in range(3):
        wiki.create(owner, f"team/linking-{n}", "[[team/guide]]\n", title=f"L{n}", group="team")
    auth.login("rita")

    def add_revisions(count: int) -> None:
        for i in range(count):
            wiki.save(owner, "team/guide", f"# Part {i}\n\n[[team]] line {i}\n" + "x\n" * 50,
                      title="Guide", summary=f"edit {i}")

    return add_revisions


def _count(client, count_queries, url: str) -> list[str]:
    client.get(url)  # warm-up: caches, first-request hooks
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


@pytest.mark.parametrize("url", ["/wiki/team/guide", "/wiki/team/guide/history",
                                 "/wiki/team/guide/diff", "/api/v1/wiki/team/guide",
                                 "/api/v1/wiki/team/guide/revisions", "/wiki/recent",
                                 "/wiki/"])
def test_statement_count_does_not_grow_with_revisions(client, count_queries, page_with_history,
                                                      url):
    page_with_history(2)
    few = _count(client, count_queries, url)
    page_with_history(25)
    many = _count(client, count_queries, url)
    assert len(many) == len(few), (few, many)
    assert len(few) <= 12, few


@pytest.mark.parametrize("url", ["/wiki/team/guide", "/wiki/team/guide/history",
                                 "/api/v1/wiki/team/guide/revisions", "/wiki/recent",
                                 "/api/v1/wiki"])
def test_page_view_and_history_load_no_revision_body(client, count_queries, page_with_history,
                                                     url):
    page_with_history(5)
    statements = _count(client, count_queries, url)
    assert not any(_REVISION_BODY.search(s) for s in statements), statements


def test_a_diff_loads_exactly_two_revisions(client, count_queries, page_with_history):
    page_with_history(10)
    statements = _count(client, count_queries, "/wiki/team/guide/diff?from=3&to=7")
    loads = [s for s in statements if _REVISION_BODY.search(s)]
    assert len(loads) == 1 and "IN" in loads[0].upper()


def test_pathological_diff_is_capped_through_the_page(client, users, auth, wiki):
    anna = users.make("anna")
    auth.login("anna")
    size = diffing.MAX_MATCH_LINES + 100
    wiki.create(anna, "big", "".join(f"a{i}\n" for i in range(size)), title="Big")
    wiki.save(anna, "big", "".join(f"b{i}\n" for i in range(size)), title="Big")
    html = client.get("/wiki/big/diff?from=1&to=2").get_data(as_text=True)
    assert "shown as replaced as a whole" in html and "only its beginning is shown" in html
    assert html.count("<tr") <= diffing.MAX_ROWS + 5
    unified = client.get("/api/v1/wiki/big/diff?from=1&to=2").get_json()["unified"]
    assert unified.count("\n-a") == size and unified.count("\n+b") == size


@pytest.mark.parametrize("url", ["/wiki/team/guide/history", "/wiki/team/guide/diff",
                                 "/api/v1/wiki/team/guide/revisions", "/wiki/recent", "/wiki/",
                                 "/api/v1/wiki"])
def test_lists_history_and_diffs_do_not_load_the_page_text(client, count_queries,
                                                           page_with_history, url):
    page_with_history(2)
    statements = _count(client, count_queries, url)
    assert not any(_PAGE_TEXT.search(s) for s in statements), statements
