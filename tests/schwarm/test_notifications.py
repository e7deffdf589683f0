"""The notification inbox: page and API, filtered by access."""

from __future__ import annotations

from schwarm.db import write_transaction
from schwarm.notifications import services
from tests.schwarm.helpers import page


def _note(user, actor, obj=None, text="hello", url="/x", batch_key=None):
    with write_transaction():
        return services.notify([user.id], "test", actor_id=actor.id, obj=obj, object_type="x",
                               object_id=1, url=url, text=text, batch_key=batch_key,
                               batch_text=lambda n: f"{n} people")


def test_inbox_page_and_reading(client, auth, users):
    anna, bob = users.make("anna"), users.make("bob")
    _note(anna, bob, text="Bob did a thing", url="/groups")
    auth.login("anna")
    html = client.get("/notifications").get_data(as_text=True)
    assert "Bob did a thing" in html
    assert 'class="badge"' in html  # unread count in the navigation
    [note] = services.inbox(anna)
    response = client.post("/notifications/read", data={"id": str(note.id), "open": "/groups"})
    assert response.location == "/groups"
    assert services.unread_count(anna) == 0
    assert 'class="badge"' not in client.get("/notifications").get_data(as_text=True)
    assert page(client.get("/notifications")).unlabelled_controls() == []


def test_open_link_is_local_only(client, auth, users):
    anna, bob = users.make("anna"), users.make("bob")
    _note(anna, bob)
    auth.login("anna")
    for target in ("//evil.example", "/%5Cevil.example", "https://evil.example"):
        response = client.post("/notifications/read", data={"open": target})
        assert response.location == "/notifications"


def test_bad_ids_mark_nothing(client, auth, users):
    anna, bob = users.make("anna"), users.make("bob")
    _note(anna, bob)
    auth.login("anna")
    for raw in ("abc", "²", "9" * 40, "-1"):
        client.post("/notifications/read", data={"id": raw})
    assert services.unread_count(anna) == 1
    client.post("/notifications/read", data={})
    assert services.unread_count(anna) == 0
    for before in ("abc", "²", "9" * 40):
        assert client.get(f"/notifications?before={before}").status_code == 200


def test_actor_and_outsiders_are_not_notified(users, groups):
    anna, bob, carl = users.make("anna"), users.make("bob"), users.make("carl")
    secret = groups.make(anna, "secret", private=True, members=[bob])
    with write_transaction():
        told = services.notify([anna.id, bob.id, carl.id], "test", actor_id=anna.id, obj=secret,
                               object_type="group", object_id=secret.id, url="/groups/secret",
                               text="x")
    assert told == 1
    assert [n.user_id for n in services.inbox(bob) if n.kind == "test"] == [bob.id]
    assert services.inbox(carl) == []


def test_leaving_hides_notifications_at_once(users, groups):
    from schwarm.groups import services as group_services

    anna, bob = users.make("anna"), users.make("bob")
    secret = groups.make(anna, "secret", private=True, members=[bob])
    assert len(services.inbox(bob)) == 1  # "added you"
    group_services.leave(bob, secret)
    assert services.inbox(bob) == []
    assert services.unread_count(bob) == 0


def test_batching(users):
    anna, bob, carl = users.make("anna"), users.make("bob"), users.make("carl")
    _note(anna, bob, batch_key="like:1")
    _note(anna, carl, batch_key="like:1")
    [note] = services.inbox(anna)
    assert note.actor_count == 2 and note.text == "2 people"


def test_notification_cap(users, app):
    app.config["MAX_NOTIFICATIONS_PER_EVENT"] = 2
    anna = users.make("anna")
    others = [users.make(f"user{i}") for i in range(4)]
    with write_transaction():
        told = services.notify([u.id for u in others], "test", actor_id=anna.id, obj=None,
                               object_type="x", object_id=1, url="/", text="x")
    assert told == 2


def test_api(api, users):
    anna, bob = users.make("anna"), users.make("bob")
    _note(anna, bob, text="one")
    _note(anna, bob, text="two")
    client = api.as_user(anna)
    body = client.get("/notifications").get_json()
    assert [n["text"] for n in body["items"]] == ["two", "one"]
    first = body["items"][0]
    assert set(first) == {"id", "kind", "actor", "object_url", "text", "created_at", "read"}
    assert first["actor"] == "bob" and first["read"] is False
    assert client.post("/notifications/read", json={"ids": [first["id"]]}).get_json() == {
        "marked": 1}
    unread = client.get("/notifications?unread=1").get_json()["items"]
    assert [n["text"] for n in unread] == ["one"]
    assert client.post("/notifications/read", json={}).get_json() == {"marked": 1}
    for bad in ({"ids": "1"}, {"ids": [True]}, {"ids": ["1"]}):
        response = client.post("/notifications/read", json=bad)
        assert response.status_code == 400
