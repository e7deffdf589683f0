"""The admin pages: users, deactivation with handover, reactivation, roles, invites."""

from __future__ import annotations

import pytest

from schwarm import access
from schwarm.accounts import services
from schwarm.extensions import db
from schwarm.groups.services import find_group
from tests.schwarm.helpers import flashes, page


def _user(name):
    db.session.expire_all()
    return services.get_user(name)


@pytest.mark.parametrize("method,path", [
    ("get", "/admin/users"), ("post", "/admin/invites"), ("post", "/admin/users/bob/deactivate"),
    ("post", "/admin/users/bob/reactivate"), ("post", "/admin/users/bob/role"),
])
def test_admin_pages_are_404_for_others(client, auth, users, method, path):
    users.make("anna")
    users.make("bob")
    auth.login("anna")
    assert getattr(client, method)(path).status_code == 404
    assert _user("bob").active and not _user("bob").is_admin


def test_user_list_and_search(client, auth, users, admin):
    users.make("anna", display_name="Anna Schmidt")
    users.make("bob", display_name="Bob Baker", email="bob@firma.de")
    auth.login("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Anna Schmidt" in html and "Bob Baker" in html
    html = client.get("/admin/users?q=schm").get_data(as_text=True)
    assert "Anna Schmidt" in html and "Bob Baker" not in html
    html = client.get("/admin/users?q=firma").get_data(as_text=True)
    assert "Bob Baker" in html and "Anna Schmidt" not in html
    html = client.get("/admin/users?q=%25").get_data(as_text=True)  # a literal %, no wildcard
    assert "Anna Schmidt" not in html
    assert page(client.get("/admin/users")).unlabelled_controls() == []


def test_deactivate_with_handover_and_reactivate(client, auth, users, admin, groups):
    anna = users.make("anna")
    users.make("bob", display_name="Bob Baker")
    groups.make(anna, "team", private=True)
    auth.login("admin")
    response = client.post("/admin/users/anna/deactivate", data={"successor": "bob"})
    messages = flashes(client.get(response.location))
    assert "Anna is deactivated; their content stays." in messages
    assert any("Handed over to Bob Baker" in m for m in messages)
    assert not _user("anna").active
    assert access.group_role(_user("bob"), find_group("team")) == "owner"
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Reactivate" in html
    client.post("/admin/users/anna/reactivate")
    assert _user("anna").active


def test_deactivate_errors(client, auth, users, admin):
    users.make("anna")
    auth.login("admin")
    response = client.post("/admin/users/anna/deactivate", data={"successor": "ghost"})
    assert "There is no user ghost." in flashes(client.get(response.location))
    assert _user("anna").active
    response = client.post("/admin/users/anna/deactivate", data={"successor": "anna"})
    assert any("successor" in m for m in flashes(client.get(response.location)))
    response = client.post("/admin/users/admin/deactivate", data={})
    assert "You cannot deactivate yourself." in flashes(client.get(response.location))
    assert client.post("/admin/users/ghost/deactivate", data={}).status_code == 404


def test_admin_role(client, auth, users, admin):
    users.make("anna")
    auth.login("admin")
    client.post("/admin/users/anna/role", data={"admin": "1"})
    assert _user("anna").is_admin
    client.post("/admin/users/anna/role", data={"admin": "0"})
    assert not _user("anna").is_admin
    response = client.post("/admin/users/admin/role", data={"admin": "0"})
    assert "You cannot change your own role." in flashes(client.get(response.location))
    assert _user("admin").is_admin


def test_new_admin_gets_the_admin_pages(client, auth, users, admin):
    anna = users.make("anna")
    services.set_admin(admin, anna, True)
    auth.login("anna")
    assert client.get("/admin/users").status_code == 200
    assert b'href="/admin/users"' in client.get("/settings").data


def test_invite_form_validation(client, auth, admin):
    auth.login("admin")
    response = client.post("/admin/invites", data={"email": "not an address"})
    assert response.status_code == 302
    assert flashes(client.get(response.location))
