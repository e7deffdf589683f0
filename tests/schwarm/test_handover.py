"""Leavers: an admin deactivates someone and hands what they looked after to a
successor in one step; their content stays, findable and attributed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schwarm import access, handover
from schwarm.accounts import services
from schwarm.accounts.models import User
from schwarm.activities import Activity
from schwarm.extensions import db
from schwarm.groups.services import find_group
from schwarm.notifications.models import Notification
from stream import comments, posts
from stream.models import FOLLOW_POST, Follow
from tests.schwarm.helpers import flashes
from wiki import services as wiki
from wiki.models import PageWatch


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def leaver_world(users, admin, groups):
    """Anna leaves. She owns a private and a public group, looks after two pages
    (one she alone watches, one she wrote most of), has an open question, an
    answered one, and a question in a private group Bob cannot see."""
    anna = users.make("anna", display_name="Anna Alt")
    bob = users.make("bob", display_name="Bob Neu")
    carla = users.make("carla")
    groups.make(anna, "team", private=True)
    groups.make(anna, "town")
    secret = groups.make(anna, "vault", private=True, members=[carla])
    wiki.save_page(anna, "ops/runbook", title="Runbook", body="Restart the quokka service.")
    wiki.save_page(anna, "ops/shared", title="Shared", body="one")
    page = wiki.find_page("ops/shared")
    wiki.save_page(anna, "ops/shared", title="Shared", body="one two",
                   base_revision=page.current_revision)
    page = wiki.find_page("ops/shared")
    wiki.save_page(carla, "ops/shared", title="Shared", body="one two three",
                   base_revision=page.current_revision)
    wiki.save_page(carla, "ops/carla", title="Carla's", body="mine")
    open_q = posts.create_post(anna, "How do we rotate the quokka keys? #ops", kind="question",
                               title="Key rotation")
    answered = posts.create_post(anna, "Where is the wiki? #ops", kind="question", title="Wiki?")
    answer = comments.add_comment(carla, answered, "At /wiki")
    _accept(answered, answer)
    hidden_q = posts.create_post(anna, "Vault question #ops", kind="question", title="Vault",
                                 group=secret)
    return {"anna": anna, "bob": bob, "carla": carla, "open_q": open_q, "hidden_q": hidden_q,
            "answered": answered}


def _accept(post, answer) -> None:
    from schwarm.db import write_transaction
    from stream.models import Post

    with write_transaction():
        db.session.get(Post, post.id).accepted_comment_id = answer.id


def test_the_handover_page_lists_every_source(client, auth, admin, leaver_world):
    auth.login("admin")
    html = client.get("/admin/users/anna/handover").get_data(as_text=True)
    assert "Groups they own" in html and "Team" in html and "Town" in html
    assert "Runbook" in html and "Shared" in html and "Carla&#39;s" not in html
    assert "Key rotation" in html and "Wiki?" not in html  # answered questions are done
    keys = [source.key for source in handover.sources()]
    assert keys[:1] == ["groups"] and {"pages", "questions"} <= set(keys)


def test_handover_page_is_for_admins_only(client, auth, leaver_world):
    auth.login("bob")
    assert client.get("/admin/users/anna/handover").status_code == 404


def test_deactivate_hands_the_ticked_items_to_the_successor(client, auth, admin, leaver_world):
    world = leaver_world
    auth.login("admin")
    runbook = wiki.find_page("ops/runbook")
    response = client.post("/admin/users/anna/deactivate", data={
        "handover": "1", "successor": "bob",
        "item": ["groups:team", f"pages:{runbook.id}", f"questions:{world['open_q'].id}",
                 f"questions:{world['hidden_q'].id}", "groups:not-hers"]})
    messages = flashes(client.get(response.location))
    assert "Anna Alt is deactivated; their content stays." in messages
    assert "Handed over to Bob Neu: 3 item(s)." in messages
    bob = _user("bob")
    assert access.group_role(bob, find_group("team")) == "owner"
    assert access.group_role(bob, find_group("town")) is None  # not ticked
    watched = set(db.session.scalars(select(PageWatch.page_id).where(PageWatch.user_id == bob.id)))
    assert watched == {runbook.id}
    follows = set(db.session.scalars(select(Follow.target_key).where(
        Follow.user_id == bob.id, Follow.target_type == FOLLOW_POST)))
    assert follows == {str(world["open_q"].id)}  # never a question Bob may not see
    handed = db.session.scalars(select(Activity).where(Activity.verb == "handed_over")).all()
    assert sorted(a.object_type for a in handed) == ["group", "page", "post"]
    told = db.session.scalars(select(Notification).where(Notification.user_id == bob.id,
                                                         Notification.kind == "handover")).all()
    assert len(told) == 1 and "3 item(s)" in told[0].text


def test_a_handed_over_question_tells_the_successor_of_new_answers(users, admin, leaver_world):
    world = leaver_world
    services.deactivate(admin, world["anna"], world["bob"])
    comments.add_comment(world["carla"], world["open_q"], "Use the vault CLI.")
    bob_told = db.session.scalars(select(Notification.text).where(
        Notification.user_id == world["bob"].id, Notification.kind == "comment")).all()
    assert any("Use the vault CLI." in text for text in bob_told)


def test_the_api_hands_over_everything_and_reports_it(api, admin, leaver_world):
    world = leaver_world
    response = api.as_user(admin).post("/users/anna/deactivate", json={"successor": "bob"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["active"] is False
    assert sorted(body["handed_over"]["groups"]) == ["team", "town", "vault"]
    # Bob owns the vault now, so its question is his to look after too.
    assert sorted(body["handed_over"]["questions"]) == sorted(
        [str(world["open_q"].id), str(world["hidden_q"].id)])
    runbook, shared = wiki.find_page("ops/runbook"), wiki.find_page("ops/shared")
    assert sorted(body["handed_over"]["pages"]) == sorted([str(runbook.id), str(shared.id)])


def test_all_transfers_are_one_transaction(app, admin, leaver_world, monkeypatch):
    """A failing source rolls back every transfer and the deactivation itself."""
    world = leaver_world

    def broken(admin_user, user, successor, ids):
        raise RuntimeError("disk full")

    registry = app.extensions["schwarm.handover_sources"]
    monkeypatch.setitem(registry, "questions", handover.Source(
        key="questions", label="x", items=registry["questions"].items, transfer=broken))
    with pytest.raises(RuntimeError):
        services.deactivate(admin, world["anna"], world["bob"])
    db.session.expire_all()
    assert _user("anna").active
    assert access.group_role(_user("bob"), find_group("team")) is None
    assert not db.session.scalars(select(Activity).where(Activity.verb == "handed_over")).all()


def test_sessions_and_tokens_die_at_once_and_content_stays(app, client, auth, users, admin,
                                                           leaver_world):
    world = leaver_world
    carla_post = posts.create_post(world["carla"], "Lunch at noon?")
    comments.add_comment(world["anna"], carla_post, "Count me in")
    _, token = services.create_token(world["anna"], "script")
    anna_browser = app.test_client()
    anna_browser.post("/login", data={"login": "anna", "password": "correct horse battery"})
    assert anna_browser.get("/catchup").status_code == 200
    services.deactivate(admin, world["anna"], world["bob"])
    assert anna_browser.get("/catchup").status_code in (302, 401)
    probe = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert probe.status_code == 401
    # Her content stays: found by search, attributed, marked as a former colleague.
    auth.login("carla")
    html = client.get(f"/posts/{world['open_q'].id}").get_data(as_text=True)
    assert "Anna Alt" in html and "(former colleague)" in html
    html = client.get(f"/posts/{carla_post.id}").get_data(as_text=True)
    assert "Count me in" in html and "(former colleague)" in html  # her comment, marked
    html = client.get("/search?q=quokka").get_data(as_text=True)
    assert "Key rotation" in html and "Runbook" in html
    assert "(former colleague)" in html
    html = client.get("/wiki/ops/shared/history").get_data(as_text=True)
    assert "Anna Alt" in html and "(former colleague)" in html


def test_a_german_admin_sees_the_marker_in_german(client, auth, users, admin, leaver_world):
    services.deactivate(admin, leaver_world["anna"])
    services.update_profile(_user("carla"), services.ProfileChange(language="de"))
    auth.login("carla")
    html = client.get("/u/anna").get_data(as_text=True)
    assert "Nicht mehr im Unternehmen" in html


def test_the_api_lists_and_hands_over_a_selection(api, users, admin, leaver_world):
    world = leaver_world
    assert api.as_user(world["carla"]).get("/users/anna/handover").status_code == 403
    as_admin = api.as_user(admin)
    pending = as_admin.get("/users/anna/handover").get_json()
    assert [item["id"] for item in pending["groups"]["items"]] == ["team", "town", "vault"]
    assert pending["questions"]["items"][0]["title"] in ("Key rotation", "Vault")
    bad = as_admin.post("/users/anna/deactivate", json={"successor": "bob", "items": ["team"]})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_items"
    assert _user("anna").active  # nothing changed
    response = as_admin.post("/users/anna/deactivate", json={
        "successor": "bob", "items": {"groups": ["town"], "questions": [world["open_q"].id]}})
    assert response.get_json()["handed_over"] == {
        "groups": ["town"], "questions": [str(world["open_q"].id)]}


def test_a_feature_adds_its_own_source(app, client, auth, admin, leaver_world):
    """How the Q&A's routed questions join the handover: register a source."""
    calls = []

    def items(user):
        return [handover.Item(id="42", title="Routed: VPN drops", url="/posts/42")]

    def transfer(admin_user, user, successor, ids):
        calls.append((user.username, successor.username, ids, db.session().in_transaction()))
        return ids

    handover.register(app, handover.Source(key="routed", label="Questions routed to them",
                                           items=items, transfer=transfer))
    auth.login("admin")
    html = client.get("/admin/users/anna/handover").get_data(as_text=True)
    assert "Questions routed to them" in html and "Routed: VPN drops" in html
    handed = services.deactivate(admin, leaver_world["anna"], leaver_world["bob"],
                                 {"routed": ["42", "99"]})
    assert handed == {"routed": ["42"]}  # 99 was never hers
    assert calls == [("anna", "bob", ["42"], True)]
