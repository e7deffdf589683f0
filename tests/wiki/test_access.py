"""Group pages: a private group's pages are visible to its members only, everywhere."""

from __future__ import annotations

import pytest

from schwarm.errors import Conflict, Forbidden, NotFound
from schwarm.groups.services import add_member, create_group, join, leave
from wiki import manage, queries, services


@pytest.fixture
def setup(users, wiki):
    owner, member, outsider = users.make("olga"), users.make("mia"), users.make("otto")
    admin = users.make("root", admin=True)
    board = create_group(owner, "board", "Board", visibility="private")
    add_member(owner, board, member)
    public = create_group(owner, "sales", "Sales")
    wiki.create(owner, "board", "Board home\n", title="Board", group="board")
    wiki.create(owner, "board/plans", "Secret plans\n", title="Plans", group="board")
    wiki.create(owner, "sales/guide", "Public guide [[board/plans]]\n", title="Guide",
                group="sales")
    wiki.create(owner, "board/notes", "[[sales/guide]]\n", title="Notes", group="board")
    return {"owner": owner, "member": member, "outsider": outsider, "admin": admin,
            "board": board, "public": public}


def test_private_pages_are_invisible_to_outsiders_everywhere(setup):
    outsider, member, admin = setup["outsider"], setup["member"], setup["admin"]
    for viewer in (outsider, None):
        assert queries.lookup(viewer, "board/plans").page is None
        with pytest.raises(NotFound):
            queries.get_page(viewer, "board/plans")
        assert [p.path for p in queries.list_pages(viewer)] == ["sales/guide"]
        assert [r.page.path for r in queries.recent_changes(viewer)] == ["sales/guide"]
        guide = queries.get_page(viewer, "sales/guide")
        assert queries.backlinks(viewer, guide) == []
        assert queries.breadcrumbs(viewer, "board/plans/x") == [
            ("board", "board", False), ("board/plans", "plans", False)]
    for viewer in (member, admin):
        assert queries.get_page(viewer, "board/plans").title == "Plans"
        assert len(queries.list_pages(viewer)) == 4
        guide = queries.get_page(viewer, "sales/guide")
        assert [p.path for p in queries.backlinks(viewer, guide)] == ["board/notes"]
        assert queries.breadcrumbs(viewer, "board/plans/x")[0] == ("board", "Board", True)


def test_outsiders_cannot_edit_move_watch_or_create_in_the_group(setup, wiki):
    outsider = setup["outsider"]
    with pytest.raises(NotFound):
        services.save_page(outsider, "board/plans", title="x", body="x", base_revision=1)
    with pytest.raises(NotFound):
        services.revert_page(outsider, "board/plans", 1)
    with pytest.raises(NotFound):
        manage.watch(outsider, "board/plans")
    with pytest.raises(NotFound):
        manage.move_page(outsider, "board/plans", "mine")
    with pytest.raises(NotFound):
        manage.delete_page(outsider, "board/plans")
    with pytest.raises(NotFound):
        wiki.create(outsider, "mine", "x", group="board")
    # The path is taken, but the refusal does not show the hidden page.
    with pytest.raises(Conflict) as error:
        wiki.create(outsider, "board/plans", "x")
    assert error.value.code == "path_taken" and "conflict" not in error.value.extra


def test_public_group_pages_are_read_by_all_but_edited_by_members(setup, wiki, users):
    outsider, owner = setup["outsider"], setup["owner"]
    assert queries.get_page(outsider, "sales/guide").title == "Guide"
    with pytest.raises(Forbidden):
        services.save_page(outsider, "sales/guide", title="x", body="x", base_revision=1)
    with pytest.raises(Forbidden):
        wiki.create(outsider, "sales/new", "x", group="sales")
    join(outsider, setup["public"])
    result = services.save_page(outsider, "sales/guide", title="Guide", body="Joined\n",
                                base_revision=1)
    assert result.revision == 2
    with pytest.raises(services.Invalid):
        services.save_page(owner, "sales/guide", title="Guide", body="x\n", base_revision=2,
                           group="board")


def test_leaving_the_group_hides_its_pages_and_stops_notifications(setup, wiki):
    from sqlalchemy import func, select

    from schwarm.extensions import db
    from schwarm.notifications.models import Notification

    member, owner = setup["member"], setup["owner"]
    manage.watch(member, "board/plans")
    leave(member, setup["board"])
    assert queries.lookup(member, "board/plans").page is None
    wiki.save(owner, "board/plans", "Changed\n", title="Plans", summary="edit")
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == member.id, Notification.kind == "page_edited")) == 0


def test_search_documents_carry_the_group(setup, app):
    from wiki.search_docs import all_page_ids, load_pages

    docs = {d.id: d for d in load_pages(["board/plans", "sales/guide", "missing"])}
    assert set(docs) == {"board/plans", "sales/guide"}
    assert docs["board/plans"].group_id == setup["board"].id
    assert docs["sales/guide"].body == "Public guide board/plans"
    assert docs["sales/guide"].author == "olga" and docs["sales/guide"].url == "/wiki/sales/guide"
    assert sorted(all_page_ids()) == ["board", "board/notes", "board/plans", "sales/guide"]
    manage.delete_page(setup["admin"], "board/plans")
    assert list(load_pages(["board/plans"])) == []
    assert "board/plans" not in list(all_page_ids())
