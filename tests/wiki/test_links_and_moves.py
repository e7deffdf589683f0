"""[[Links]], backlinks, missing pages, move/rename with redirects, delete and restore."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schwarm.errors import Conflict, Forbidden, Invalid, NotFound
from schwarm.extensions import db
from wiki import links, manage, queries, services
from wiki.models import PageLink


def _html(path: str) -> str:
    return services.find_page(path).body_html


def test_links_to_existing_and_missing_pages(users, wiki):
    anna = users.make("anna")
    wiki.create(anna, "sales/onboarding", "x", title="Onboarding")
    wiki.create(anna, "home", "See [[Sales/Onboarding]], [[sales/onboarding|the guide]] and "
                              "[[Travel Policy]].\n")
    html = _html("home")
    assert '<a class="wikilink" href="/wiki/sales/onboarding"' in html
    assert ">the guide</a>" in html
    assert '<a class="wikilink missing" href="/wiki/travel-policy/edit"' in html
    assert set(db.session.scalars(select(PageLink.to_path))) == {"sales/onboarding",
                                                                 "travel-policy"}


def test_creating_a_missing_page_updates_linking_pages_and_backlinks(users, wiki):
    anna = users.make("anna")
    wiki.create(anna, "home", "Read [[Travel Policy]].\n", title="Home")
    assert "missing" in _html("home")
    page = wiki.create(anna, "travel-policy", "Rules.\n", title="Travel policy").page
    assert "missing" not in _html("home")
    assert [p.path for p in queries.backlinks(anna, page)] == ["home"]


def test_link_sync_on_edit(users, wiki):
    anna = users.make("anna")
    wiki.create(anna, "a", "[[b]] [[c]]\n")
    wiki.save(anna, "a", "[[c]] [[d]]\n")
    assert set(db.session.scalars(select(PageLink.to_path))) == {"c", "d"}


def test_links_into_a_private_group_look_missing_elsewhere(users, wiki):
    from schwarm.groups.services import create_group

    anna = users.make("anna")
    create_group(anna, "board", "Board", visibility="private")
    wiki.create(anna, "board/plans", "secret\n", title="Plans", group="board")
    wiki.create(anna, "public", "[[board/plans]]\n")
    wiki.create(anna, "board/index", "[[board/plans]]\n", group="board")
    assert "missing" in _html("public")
    assert "missing" not in _html("board/index")
    # The resolver other features use for posts behaves the same way.
    assert not links.page_exists_resolver("[[board/plans]]")("board/plans")
    group_id = services.find_page("board/plans").group_id
    assert links.page_exists_resolver("[[board/plans]]", group_id)("board/plans")


def test_move_with_redirect_and_backlinks(users, wiki, enqueued):
    anna = users.make("anna")
    wiki.create(anna, "guide", "Guide.\n", title="Guide")
    wiki.create(anna, "home", "[[guide]]\n")
    pairs = manage.move_page(anna, "guide", "handbook/guide")
    assert pairs == [("guide", "handbook/guide")]
    moved = queries.get_page(anna, "handbook/guide")
    assert queries.lookup(anna, "guide").redirect_to == "handbook/guide"
    assert queries.get_page(anna, "guide").path == "handbook/guide"
    # Links to the old path still count and still resolve.
    assert [p.path for p in queries.backlinks(anna, moved)] == ["home"]
    assert "missing" not in _html("home")
    assert services.save_page(anna, "guide", title="Guide", body="Edited via old path\n",
                              base_revision=1).page.path == "handbook/guide"
    assert ("page", "guide", "delete") in enqueued
    assert ("page", "handbook/guide", "upsert") in enqueued
    # A new page at the old path takes the path over from the redirect.
    wiki.create(anna, "guide", "A new guide\n")
    assert queries.lookup(anna, "guide").page.body_html.startswith("<p>A new guide")


def test_move_subtree(users, wiki):
    anna = users.make("anna")
    for path in ("team", "team/a", "team/a/deep", "teamwork"):
        wiki.create(anna, path, path + "\n")
    pairs = manage.move_page(anna, "team", "group/team", subtree=True)
    assert sorted(pairs) == [("team", "group/team"), ("team/a", "group/team/a"),
                             ("team/a/deep", "group/team/a/deep")]
    assert services.find_page("teamwork") is not None
    assert queries.lookup(anna, "team/a/deep").redirect_to == "group/team/a/deep"
    only_root = manage.move_page(anna, "group/team", "crew")
    assert only_root == [("group/team", "crew")]
    assert services.find_page("group/team/a") is not None


def test_move_refusals(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    wiki.create(anna, "a", "x")
    wiki.create(anna, "b", "x")
    with pytest.raises(Conflict):
        manage.move_page(anna, "a", "B")
    with pytest.raises(Invalid):
        manage.move_page(anna, "a", "a")
    with pytest.raises(Invalid):
        manage.move_page(anna, "a", "x/../y")
    with pytest.raises(Invalid):
        manage.move_page(anna, "a", "x/edit")
    with pytest.raises(NotFound):
        manage.move_page(ben, "nothing", "x")
    wiki.create(anna, "a/child", "x")
    with pytest.raises(Invalid):  # "a/child" would have to move onto itself
        manage.move_page(anna, "a", "a/child", subtree=True)


def test_delete_and_restore_permissions(users, wiki):
    from schwarm.groups.services import add_member, create_group

    admin, owner, member, other = (users.make("root", admin=True), users.make("olga"),
                                   users.make("mia"), users.make("otto"))
    group = create_group(owner, "team", "Team")
    add_member(owner, group, member)
    wiki.create(member, "team/page", "x", group="team")
    wiki.create(member, "company", "x")

    for user in (member, other):
        with pytest.raises(Forbidden):
            manage.delete_page(user, "team/page")
    with pytest.raises(Forbidden):
        manage.delete_page(owner, "company")  # company-wide pages: admins only

    manage.delete_page(owner, "team/page")
    assert queries.lookup(member, "team/page").page is None
    assert queries.lookup(owner, "team/page").page is not None  # owners see it to restore it
    with pytest.raises(NotFound):
        manage.restore_page(member, "team/page")
    restored = manage.restore_page(owner, "team/page")
    assert restored.deleted_at is None and restored.current_revision == 1
    manage.delete_page(admin, "company")
    assert queries.history(services.find_page("company"))  # history kept
    manage.restore_page(admin, "company")
    assert queries.lookup(other, "company").page is not None


def test_deleting_a_linked_page_marks_links_missing(users, wiki):
    admin, anna = users.make("root", admin=True), users.make("anna")
    wiki.create(anna, "target", "x")
    wiki.create(anna, "home", "[[target]]\n")
    manage.delete_page(admin, "target")
    assert "missing" in _html("home")
    manage.restore_page(admin, "target")
    assert "missing" not in _html("home")


def test_heading_anchors_touch_real_headings_only(users, wiki):
    anna = users.make("anna")
    body = '[x](http://a "<h2>b</h2>")\n\n## Real heading\n\n`<h3>code</h3>`\n'
    html = wiki.create(anna, "doc", body).page.body_html
    assert '<h2 id="h-real-heading">Real heading</h2>' in html
    assert html.count(' id="') == 1
    assert "&lt;h2&gt;b&lt;/h2&gt;" in html and "&lt;h3&gt;code&lt;/h3&gt;" in html
