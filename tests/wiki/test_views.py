"""The wiki's browser pages through the HTTP client."""

from __future__ import annotations

import re

import pytest

from schwarm.groups.services import create_group
from wiki import services

TEXT = "".join(f"Line {i}\n" for i in range(1, 11))


@pytest.fixture
def anna(users, auth):
    user = users.make("anna", display_name="Anna")
    auth.login("anna")
    return user


def _base_revision(html: str) -> str:
    return re.search(r'name="base_revision" type="hidden" value="(\d*)"', html).group(1)


def test_pages_need_sign_in(client, users):
    users.make("anna")
    assert client.get("/wiki/").status_code == 302
    assert "/login" in client.get("/wiki/x").headers["Location"]


def test_create_view_edit_through_forms(client, anna):
    missing = client.get("/wiki/sales/onboarding")
    assert missing.status_code == 404
    html = missing.get_data(as_text=True)
    assert "does not exist yet" in html and 'href="/wiki/sales/onboarding/edit"' in html

    form = client.get("/wiki/sales/onboarding/edit").get_data(as_text=True)
    assert 'value="Onboarding"' in form and 'name="group"' in form
    assert _base_revision(form) == ""

    response = client.post("/wiki/sales/onboarding/edit", data={
        "title": "Onboarding", "body": "# Setup\r\n\r\nSee [[Travel Policy]].\r\n## VPN\r\n",
        "summary": "first", "base_revision": "", "group": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/wiki/sales/onboarding")
    page = client.get("/wiki/sales/onboarding").get_data(as_text=True)
    assert "The page is created." in page
    assert '<h1 id="h-setup">Setup</h1>' in page
    assert '<a href="#h-vpn">VPN</a>' in page  # table of contents
    assert 'class="wikilink missing" href="/wiki/travel-policy/edit"' in page
    assert 'href="/wiki/sales/onboarding/history"' in page
    assert "Watch" in page or "Stop watching" in page

    edit = client.get("/wiki/sales/onboarding/edit").get_data(as_text=True)
    assert _base_revision(edit) == "1" and 'name="group"' not in edit
    saved = client.post("/wiki/sales/onboarding/edit", data={
        "title": "Onboarding", "body": "# Setup\n\nNew text\n", "summary": "second",
        "base_revision": "1"}, follow_redirects=True)
    assert "Saved." in saved.get_data(as_text=True)
    assert services.find_page("sales/onboarding").current_revision == 2


def test_breadcrumbs_and_canonical_redirect(client, anna, wiki):
    wiki.create(anna, "sales", "x", title="Sales Team")
    wiki.create(anna, "sales/onboarding/checklist", "x", title="Checklist")
    response = client.get("/wiki/Sales/Onboarding/Checklist")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/wiki/sales/onboarding/checklist")
    html = client.get("/wiki/sales/onboarding/checklist").get_data(as_text=True)
    crumbs = html[html.index('class="breadcrumbs"'):html.index("</nav>",
                                                              html.index('class="breadcrumbs"'))]
    assert '<a href="/wiki/sales">Sales Team</a>' in crumbs
    assert "onboarding" in crumbs


def test_merge_and_conflict_view_keep_the_editors_text(client, anna, users, wiki):
    ben = users.make("ben")
    wiki.create(anna, "doc", TEXT, title="Doc")
    wiki.save(ben, "doc", TEXT.replace("Line 2\n", "Ben 2\n"), title="Doc")
    merged = client.post("/wiki/doc/edit", data={
        "title": "Doc", "body": TEXT.replace("Line 8\n", "Anna 8\n"), "base_revision": "1"},
        follow_redirects=True)
    assert "merged" in merged.get_data(as_text=True)
    body = services.find_page("doc").body
    assert "Ben 2" in body and "Anna 8" in body

    mine = TEXT.replace("Line 2\n", "Anna's <script>alert(1)</script> 2\n")
    conflict = client.post("/wiki/doc/edit", data={"title": "Doc", "body": mine,
                                                   "base_revision": "1"})
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "Edit conflict" in html
    assert "<script>alert(1)</script>" not in html  # user text is escaped everywhere
    assert "Anna&#39;s &lt;script&gt;alert(1)&lt;/script&gt; 2" in html
    # Both versions are shown, and the form keeps the editor's text, now based on r3.
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "Anna&#39;s &lt;script&gt;" in textarea
    assert "Ben 2" in html[html.index("conflict-theirs"):]
    assert _base_revision(html) == "3"
    assert services.find_page("doc").current_revision == 3


def test_edit_form_errors_are_shown_and_nothing_is_saved(client, anna, app):
    empty_title = client.post("/wiki/doc/edit", data={"title": "", "body": "x",
                                                      "base_revision": ""})
    assert empty_title.status_code == 400
    assert "Title is required." in empty_title.get_data(as_text=True)
    app.config["WIKI_MAX_BYTES"] = 100
    too_big = client.post("/wiki/doc/edit", data={"title": "Doc", "body": "x" * 101,
                                                  "base_revision": ""})
    assert too_big.status_code == 413
    assert "100 bytes" in too_big.get_data(as_text=True)
    assert services.find_page("doc") is None
    assert client.get("/wiki/a%2F..%2Fb").status_code in (400, 404)
    bad = client.get("/wiki/a/./b/edit")
    assert bad.status_code == 400 and "&#39;.&#39; or &#39;..&#39;" in bad.get_data(as_text=True)
    assert client.post("/wiki/doc/edit", data={"title": "Doc", "body": "x",
                                               "base_revision": "x"}).status_code == 400
    no_csrf = client.post("/wiki/doc/edit", data={"title": "Doc", "body": "x"}, csrf=False)
    assert no_csrf.status_code == 400


def test_new_page_form_and_group_choice(client, anna):
    create_group(anna, "board", "Board", visibility="private")
    response = client.get("/wiki/?new=Team Notes/Week 1")
    assert response.headers["Location"].endswith("/wiki/team-notes/week-1/edit")
    assert "reserved" in client.get("/wiki/?new=a/edit", follow_redirects=True).get_data(
        as_text=True)
    form = client.get("/wiki/board/x/edit?group=board").get_data(as_text=True)
    assert '<option selected value="board">' in form
    client.post("/wiki/board/x/edit", data={"title": "X", "body": "secret", "group": "board",
                                            "base_revision": ""})
    assert services.find_page("board/x").group.slug == "board"


def test_history_diff_revision_revert(client, anna, wiki):
    wiki.create(anna, "doc", "The VPN is <b>old</b>.\n", title="Doc", summary="start")
    wiki.save(anna, "doc", "The new VPN is <b>fast</b>.\n", title="Doc", summary="faster")
    history = client.get("/wiki/doc/history").get_data(as_text=True)
    assert 'type="radio" name="from" value="1"' in history
    assert 'type="radio" name="to" value="2"' in history and "faster" in history

    diff = client.get("/wiki/doc/diff?from=1&to=2").get_data(as_text=True)
    assert '<ins class="diff-word">new </ins>' in diff
    assert '<del class="diff-word">old</del>' in diff
    assert "&lt;b&gt;" in diff and "<b>old</b>" not in diff
    inline = client.get("/wiki/doc/diff?from=1&to=2&mode=inline").get_data(as_text=True)
    assert 'class="diff diff-inline"' in inline and '<tr class="diff-del">' in inline
    assert '<ins class="diff-word">fast</ins>' in inline
    assert client.get("/wiki/doc/diff?from=2&to=1").status_code == 200
    assert client.get("/wiki/doc/diff?from=x&to=1").status_code == 400
    assert client.get("/wiki/doc/diff?from=1&to=9").status_code == 404

    old = client.get("/wiki/doc/revisions/1").get_data(as_text=True)
    assert "old revision" in old and "<b>old</b>" in old  # rendered (sanitised) Markdown
    assert client.get("/wiki/doc/revisions/7").status_code == 404

    reverted = client.post("/wiki/doc/revert", data={"revision": "1"}, follow_redirects=True)
    assert "Reverted to revision 1 as new revision 3" in reverted.get_data(as_text=True)
    assert services.find_page("doc").body == "The VPN is <b>old</b>.\n"
    assert client.post("/wiki/doc/revert", data={"revision": "x"}).status_code == 400


def test_backlinks_watch_move_recent(client, anna, wiki):
    wiki.create(anna, "guide", "x", title="Guide")
    wiki.create(anna, "home", "[[Guide]]", title="Home page")
    page = client.get("/wiki/guide").get_data(as_text=True)
    assert '<a href="/wiki/home">Home page</a>' in page

    client.post("/wiki/guide/unwatch")
    assert "Watch</button>" in client.get("/wiki/guide").get_data(as_text=True)
    client.post("/wiki/guide/watch")
    assert "Stop watching" in client.get("/wiki/guide").get_data(as_text=True)

    assert client.get("/wiki/guide/move").status_code == 200
    moved = client.post("/wiki/guide/move", data={"new_path": "Handbook/Guide"})
    assert moved.headers["Location"].endswith("/wiki/handbook/guide")
    old = client.get("/wiki/guide")
    assert old.status_code == 302 and "/wiki/handbook/guide" in old.headers["Location"]
    assert client.post("/wiki/handbook/guide/move",
                       data={"new_path": "home"}).status_code == 409

    recent = client.get("/wiki/recent").get_data(as_text=True)
    assert "Home page" in recent and "Guide" in recent
    index = client.get("/wiki/").get_data(as_text=True)
    assert 'href="/wiki/handbook/guide"' in index and 'href="/wiki/recent"' in index


def test_delete_and_restore_by_admin(client, users, auth, wiki):
    anna = users.make("anna")
    users.make("root", admin=True)
    wiki.create(anna, "doc", "x", title="Doc")
    auth.login("anna")
    assert "Delete</button>" not in client.get("/wiki/doc").get_data(as_text=True)
    client.post("/wiki/doc/delete")
    assert services.find_page("doc").deleted_at is None
    auth.logout()
    auth.login("root")
    client.post("/wiki/doc/delete")
    assert services.find_page("doc").deleted_at is not None
    page = client.get("/wiki/doc")
    assert page.status_code == 200 and "This page is deleted" in page.get_data(as_text=True)
    assert 'href="/wiki/doc"' in client.get("/wiki/?deleted=1").get_data(as_text=True)
    client.post("/wiki/doc/restore")
    assert services.find_page("doc").deleted_at is None
    auth.logout()
    auth.login("anna")
    assert client.get("/wiki/doc").status_code == 200


def test_private_group_pages_are_404_for_outsiders(client, users, auth, wiki):
    owner = users.make("olga")
    users.make("otto")
    create_group(owner, "board", "Board", visibility="private")
    wiki.create(owner, "board/plans", "Secret\n", title="Plans", group="board")
    wiki.create(owner, "open", "[[board/plans]]", title="Open")
    auth.login("otto")
    for url in ("/wiki/board/plans/history", "/wiki/board/plans/diff?from=1&to=1",
                "/wiki/board/plans/revisions/1", "/wiki/board/plans/move"):
        assert client.get(url).status_code == 404, url
    page = client.get("/wiki/board/plans")
    assert page.status_code == 404 and "Plans" not in page.get_data(as_text=True)
    assert "Plans" not in client.get("/wiki/").get_data(as_text=True)
    assert "Plans" not in client.get("/wiki/recent").get_data(as_text=True)
    assert client.post("/wiki/board/plans/watch").status_code == 404
    edit = client.post("/wiki/board/plans/edit", data={"title": "Mine", "body": "x",
                                                      "base_revision": ""})
    assert edit.status_code == 409 and "Secret" not in edit.get_data(as_text=True)


def test_profile_and_group_sections(client, anna, wiki):
    create_group(anna, "team", "Team")
    wiki.create(anna, "team/handbook", "x", title="Team handbook", group="team")
    assert "Team handbook" in client.get("/u/anna").get_data(as_text=True)
    assert "Team handbook" in client.get("/groups/team").get_data(as_text=True)


def test_unicode_paths(client, anna):
    response = client.get("/wiki/Stra%C3%9Fe/%C3%9Cbersicht")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/wiki/strasse/%C3%BCbersicht")
    client.post("/wiki/strasse/übersicht/edit", data={"title": "Übersicht", "body": "Grüße",
                                                     "base_revision": ""})
    page = client.get("/wiki/strasse/%C3%BCbersicht")
    assert page.status_code == 200 and "Grüße" in page.get_data(as_text=True)
