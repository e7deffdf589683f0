"""Wiki services: saving, merging, conflicts, revert, bad input — against the database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from schwarm.activities import Activity
from schwarm.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from schwarm.extensions import db
from wiki import manage, queries, services
from wiki.models import Page, PageWatch, Revision

TEXT = "".join(f"Line {i} of the checklist.\n" for i in range(1, 11))


def _line(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines)


def _revisions(path: str) -> list[tuple[int, str, str]]:
    page = services.find_page(path)
    return [(r.number, r.author.username, r.summary) for r in db.session.scalars(
        select(Revision).where(Revision.page_id == page.id).order_by(Revision.number))]


def test_create_and_edit_make_numbered_revisions(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    created = wiki.create(anna, "Sales/Onboarding/Checklist", TEXT, title="Checklist",
                          summary="first draft")
    assert created.created and created.revision == 1
    page = created.page
    assert page.path == "sales/onboarding/checklist"
    assert page.title == "Checklist" and page.body == TEXT and page.current_revision == 1
    assert page.updated_by.username == "anna" and page.group is None

    edited = services.save_page(ben, page.path, title="Checklist", body=TEXT + "More.\n",
                                summary="added a line", base_revision=1)
    assert not edited.created and not edited.merged and edited.revision == 2
    assert edited.page.body.endswith("More.\n") and edited.page.updated_by.username == "ben"
    assert _revisions(page.path) == [(1, "anna", "first draft"), (2, "ben", "added a line")]
    assert "<p>Line 1 of the checklist." in edited.page.body_html


def test_clean_merge_of_non_overlapping_edits(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    wiki.create(anna, "doc", TEXT)
    wiki.save(anna, "doc", _line(TEXT, 2, "Anna's line two"), base=1)
    result = services.save_page(ben, "doc", title="Doc", body=_line(TEXT, 8, "Ben's line eight"),
                                summary="ben", base_revision=1)
    assert result.merged and result.revision == 3
    assert "Anna's line two\n" in result.page.body and "Ben's line eight\n" in result.page.body
    assert result.page.body.count("\n") == 10
    assert [n for n, _, _ in _revisions("doc")] == [1, 2, 3]


def test_overlapping_edits_are_refused_with_both_versions_and_nothing_saved(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    wiki.create(anna, "doc", TEXT)
    wiki.save(anna, "doc", _line(TEXT, 5, "Anna's five"), base=1)
    yours = _line(TEXT, 5, "Ben's five")
    with pytest.raises(Conflict) as error:
        services.save_page(ben, "doc", title="Doc", body=yours, base_revision=1)
    extra = error.value.extra
    assert error.value.status == 409 and error.value.code == "edit_conflict"
    assert extra["current_revision"] == 2
    conflict = extra["conflict"]
    assert conflict["base"] == TEXT and conflict["yours"] == yours
    assert "Anna's five" in conflict["theirs"]
    assert "<<<<<<<" in conflict["marked"] and "Ben's five" in conflict["marked"]
    assert services.find_page("doc").current_revision == 2
    assert "Ben's five" not in services.find_page("doc").body


def test_identical_edits_merge_without_an_empty_revision(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    wiki.create(anna, "doc", TEXT)
    same = _line(TEXT, 3, "Both wrote this")
    wiki.save(anna, "doc", same, base=1)
    result = services.save_page(ben, "doc", title="Doc", body=same, base_revision=1)
    assert result.unchanged and result.merged and result.revision == 2
    assert services.find_page("doc").body.count("Both wrote this") == 1
    assert len(_revisions("doc")) == 2


def test_conflicting_title_changes(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    wiki.create(anna, "doc", TEXT, title="Doc")
    wiki.save(anna, "doc", TEXT, title="Anna's title", base=1)
    with pytest.raises(Conflict) as error:
        services.save_page(ben, "doc", title="Ben's title", body=TEXT + "x\n", base_revision=1)
    assert "title" in error.value.message
    merged = services.save_page(ben, "doc", title="Doc", body=TEXT + "x\n", base_revision=1)
    assert merged.page.title == "Anna's title" and merged.merged


def test_edit_of_a_deleted_page_is_refused(users, wiki):
    admin, anna = users.make("root", admin=True), users.make("anna")
    wiki.create(anna, "doc", TEXT)
    manage.delete_page(admin, "doc")
    with pytest.raises(Conflict) as error:
        services.save_page(anna, "doc", title="Doc", body="new\n", base_revision=1)
    assert error.value.code == "page_deleted"
    with pytest.raises(Conflict) as error:
        wiki.create(anna, "doc", "again\n")
    assert error.value.code == "page_deleted"
    assert services.find_page("doc").body == TEXT


def test_creating_an_existing_page_is_a_conflict_with_its_revision(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    wiki.create(anna, "doc", TEXT)
    with pytest.raises(Conflict) as error:
        wiki.create(ben, "Doc", "mine\n")
    assert error.value.code == "page_exists"
    assert error.value.extra["current_revision"] == 1
    assert error.value.extra["conflict"]["yours"] == "mine\n"


@pytest.mark.parametrize("path, title, body, error_type, code", [
    ("a/../b", "T", "x", Invalid, "invalid_path"),
    ("/a", "T", "x", Invalid, "invalid_path"),
    ("a/", "T", "x", Invalid, "invalid_path"),
    ("a\x01b", "T", "x", Invalid, "invalid_path"),
    ("p" * 201, "T", "x", Invalid, "invalid_path"),
    ("a/edit", "T", "x", Invalid, "invalid_path"),
    ("ok", "", "x", Invalid, "invalid_title"),
    ("ok", "   ", "x", Invalid, "invalid_title"),
    ("ok", "T\u202e", "x", Invalid, "invalid_title"),
    ("ok", "T" * 201, "x", Invalid, "invalid_title"),
    ("ok", None, "x", Invalid, "invalid_title"),
    ("ok", "T", None, Invalid, "invalid_body"),
    ("ok", "T", 5, Invalid, "invalid_body"),
])
def test_bad_input_is_refused_and_nothing_is_written(users, path, title, body, error_type, code):
    anna = users.make("anna")
    with pytest.raises(error_type) as error:
        services.save_page(anna, path, title=title, body=body)
    assert error.value.code == code and error.value.message
    assert db.session.scalar(select(func.count()).select_from(Page)) == 0
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 0


def test_bodies_above_the_limit_are_413_and_nothing_is_written(app, users, wiki):
    anna = users.make("anna")
    app.config["WIKI_MAX_BYTES"] = 1000
    with pytest.raises(TooLarge) as error:
        wiki.create(anna, "big", "ä" * 501)
    assert error.value.status == 413 and "1,000 bytes" in error.value.message
    wiki.create(anna, "small", "a" * 900)
    with pytest.raises(TooLarge):
        wiki.save(anna, "small", "a" * 1001)
    assert services.find_page("small").current_revision == 1
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 1


def test_default_limit_is_one_megabyte(app, users, wiki):
    anna = users.make("anna")
    assert app.config["WIKI_MAX_BYTES"] == 1024 * 1024
    with pytest.raises(TooLarge):
        wiki.create(anna, "big", "x" * (1024 * 1024 + 1))


def test_bad_base_revisions(users, wiki):
    anna = users.make("anna")
    wiki.create(anna, "doc", TEXT)
    for base in (0, -1, "1", True, 1.5):
        with pytest.raises(Invalid):
            services.save_page(anna, "doc", title="Doc", body="x", base_revision=base)
    with pytest.raises(Invalid) as error:
        services.save_page(anna, "doc", title="Doc", body="x", base_revision=5)
    assert error.value.code == "invalid_base_revision"
    with pytest.raises(NotFound):
        services.save_page(anna, "nothing", title="Doc", body="x", base_revision=1)


def test_revert_creates_a_new_revision_and_keeps_history(users, wiki):
    anna, ben = users.make("anna"), users.make("ben")
    wiki.create(anna, "doc", "one\n", title="First")
    wiki.save(anna, "doc", "two\n", title="Second")
    wiki.save(anna, "doc", "three\n", title="Third")
    result = services.revert_page(ben, "doc", 1)
    assert result.revision == 4 and result.page.body == "one\n" and result.page.title == "First"
    assert _revisions("doc")[-1] == (4, "ben", "Reverted to revision 1")
    assert [r.body for r in db.session.scalars(
        select(Revision).order_by(Revision.number))] == ["one\n", "two\n", "three\n", "one\n"]
    again = services.revert_page(ben, "doc", 4, "no-op")
    assert again.unchanged and again.revision == 4
    with pytest.raises(NotFound):
        services.revert_page(ben, "doc", 9)
    with pytest.raises(Invalid):
        services.revert_page(ben, "doc", "1")


def test_activity_notification_watch_and_search_outbox(users, wiki, enqueued):
    from schwarm.notifications.models import Notification

    anna, ben, carla = users.make("anna", display_name="Anna"), users.make("ben"), \
        users.make("carla")
    wiki.create(anna, "onboarding", TEXT, title="Onboarding")
    manage.watch(carla, "onboarding")
    wiki.save(ben, "onboarding", TEXT + "VPN\n", title="Onboarding", summary="fixed VPN steps")

    activity = db.session.scalars(select(Activity).where(Activity.verb == "edited_page")).one()
    assert activity.actor_id == ben.id and activity.text == "Onboarding: fixed VPN steps"
    assert activity.url == "/wiki/onboarding/diff?from=1&to=2" and activity.group_id is None
    assert db.session.scalars(select(Activity.verb).where(Activity.object_type == "page")).all() \
        == ["created_page", "edited_page"]

    notes = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert {n.user_id for n in notes} == {anna.id, carla.id}  # authors watch; not the editor
    assert all(n.object_url == "/wiki/onboarding/diff?from=1&to=2" for n in notes)
    assert all("fixed VPN steps" in n.text and n.kind == "page_edited" for n in notes)
    watchers = set(db.session.scalars(select(PageWatch.user_id)))
    assert watchers == {anna.id, ben.id, carla.id}

    assert enqueued == [("page", "onboarding", "upsert")] * 2

    manage.unwatch(carla, "onboarding")
    wiki.save(ben, "onboarding", TEXT, title="Onboarding", summary="again")
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == carla.id)) == 1


def test_saves_need_an_active_account(users, wiki):
    from schwarm.accounts import services as accounts

    admin, anna = users.make("root", admin=True), users.make("anna")
    accounts.deactivate(admin, anna)
    with pytest.raises(Forbidden):
        wiki.create(anna, "doc", "x")
    with pytest.raises(Forbidden):
        wiki.create(None, "doc", "x")


def test_queries_do_not_reveal_deleted_pages(users, wiki):
    admin, anna = users.make("root", admin=True), users.make("anna")
    wiki.create(anna, "doc", TEXT)
    manage.delete_page(admin, "doc")
    assert queries.lookup(anna, "doc").page is None
    assert queries.lookup(admin, "doc").page.deleted_at is not None
    assert queries.list_pages(anna) == []
    assert [p.path for p in queries.list_pages(admin, deleted=True)] == ["doc"]
    assert queries.recent_changes(anna) == []
    with pytest.raises(NotFound):
        queries.get_page(anna, "doc")
