"""Groups: pages, services and the /groups API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from schwarm import access
from schwarm.errors import Conflict, Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups import services
from schwarm.groups.models import Group, Membership
from tests.schwarm.helpers import deactivate, flashes, page


def _role(group, user):
    db.session.expire_all()
    row = db.session.get(Membership, (group.id, user.id))
    return row.role if row else None


# --- services ----------------------------------------------------------------------------

def test_create_public_and_private(users):
    anna = users.make("anna")
    public = services.create_group(anna, "Sales-Team", "Sales Team", "We sell.")
    private = services.create_group(anna, "board", "Board", visibility="private")
    assert public.slug == "sales-team" and public.visibility == "public" and not public.is_private
    assert private.is_private
    assert _role(public, anna) == "owner" and _role(private, anna) == "owner"


@pytest.mark.parametrize("slug", ["ａｂｃ", "ABC", "Abc"])
def test_slugs_are_normalised_so_look_alikes_collide(users, slug):
    anna = users.make("anna")
    services.create_group(anna, "abc", "ABC")
    with pytest.raises(Conflict):
        services.create_group(anna, slug, "Other")


@pytest.mark.parametrize("slug", ["a b", "-abc", "abc-", "ab\u200bc", "\u202eabc", "ab/c",
                                  "", "x" * 65, "ab\x00c", "abc\u3164", "a.b"])
def test_bad_slugs_are_refused(users, slug):
    anna = users.make("anna")
    with pytest.raises(Invalid):
        services.create_group(anna, slug, "Name")
    assert db.session.scalar(select(func.count(Group.id))) == 0


def test_bad_names_and_visibility_are_refused(users):
    anna = users.make("anna")
    with pytest.raises(Invalid):
        services.create_group(anna, "abc", "")
    with pytest.raises(Invalid):
        services.create_group(anna, "abc", "x" * 121)
    with pytest.raises(Invalid):
        services.create_group(anna, "abc", "Name", visibility="secret")
    with pytest.raises(Invalid):
        services.create_group(anna, "abc", "Name", description="x" * 5001)


def test_join_and_leave_public(users, groups):
    anna, bob = users.make("anna"), users.make("bob")
    group = groups.make(anna, "open")
    services.join(bob, group)
    services.join(bob, group)  # idempotent
    assert _role(group, bob) == "member"
    services.leave(bob, group)
    assert _role(group, bob) is None
    services.leave(bob, group)  # leaving twice is harmless


def test_cannot_join_private(users, groups):
    anna, bob = users.make("anna"), users.make("bob")
    group = groups.make(anna, "secret", private=True)
    with pytest.raises(NotFound):
        services.join(bob, group)
    assert _role(group, bob) is None


def test_owner_adds_and_removes_members(users, groups):
    anna, bob, carl = users.make("anna"), users.make("bob"), users.make("carl")
    group = groups.make(anna, "secret", private=True)
    services.add_member(anna, group, bob)
    assert _role(group, bob) == "member"
    services.add_member(anna, group, bob, "owner")
    assert _role(group, bob) == "owner"
    # A member (not owner) cannot add or remove others.
    services.add_member(anna, group, carl)
    with pytest.raises(Forbidden):
        services.add_member(carl, group, users.make("dora"))
    with pytest.raises(Forbidden):
        services.remove_member(carl, group, bob)
    services.remove_member(bob, group, carl)
    assert _role(group, carl) is None
    with pytest.raises(NotFound):
        services.remove_member(anna, group, carl)
    with pytest.raises(Invalid):
        services.add_member(anna, group, carl, "king")


def test_being_added_notifies(users, groups):
    from schwarm.notifications.services import inbox

    anna, bob = users.make("anna"), users.make("bob")
    group = groups.make(anna, "secret", private=True, name="Secret")
    services.add_member(anna, group, bob)
    [note] = inbox(bob)
    assert note.kind == "group_invitation" and "Secret" in note.text
    assert note.object_url == "/groups/secret"


def test_last_owner_cannot_leave_or_be_demoted_or_removed(users, groups, admin):
    anna, bob = users.make("anna"), users.make("bob")
    group = groups.make(anna, "team", members=[bob])
    with pytest.raises(Conflict):
        services.leave(anna, group)
    with pytest.raises(Conflict):
        services.add_member(anna, group, anna, "member")
    with pytest.raises(Conflict):
        services.remove_member(admin, group, anna)
    assert _role(group, anna) == "owner"
    services.add_member(anna, group, bob, "owner")
    services.leave(anna, group)
    assert _role(group, anna) is None


def test_deactivated_people_cannot_be_added(users, groups, admin):
    anna, lars = users.make("anna"), users.make("lars")
    group = groups.make(anna, "team")
    lars = deactivate(admin, lars)
    with pytest.raises(Invalid):
        services.add_member(anna, group, lars)


def test_handover_on_deactivation(users, groups, admin):
    anna, bob = users.make("anna"), users.make("bob")
    group = groups.make(anna, "team", private=True)
    from schwarm.accounts import services as accounts

    handed = accounts.deactivate(admin, anna, bob)
    assert handed == {"groups": ["team"]}
    assert _role(group, bob) == "owner"
    assert _role(group, anna) == "owner"  # content and rows stay; access does not


def test_list_groups_with_counts_and_roles(users, groups, admin):
    anna, bob, carl = users.make("anna"), users.make("bob"), users.make("carl")
    groups.make(anna, "b-open", name="B open", members=[bob])
    groups.make(anna, "a-secret", private=True, name="A secret", members=[bob])
    groups.make(carl, "c-hidden", private=True, name="C hidden")
    as_bob = [(g.slug, n, role) for g, n, role in services.list_groups(bob)]
    assert as_bob == [("a-secret", 2, "member"), ("b-open", 2, "member")]
    as_carl = [(g.slug, n, role) for g, n, role in services.list_groups(carl)]
    assert as_carl == [("b-open", 2, None), ("c-hidden", 1, "owner")]
    assert [g.slug for g, _, _ in services.list_groups(carl, mine=True)] == ["c-hidden"]
    assert len(services.list_groups(admin)) == 3


# --- pages ----------------------------------------------------------------------------------

def test_directory_hides_private_groups_from_non_members(client, auth, users, groups):
    anna, bob = users.make("anna"), users.make("bob")
    groups.make(anna, "open", name="Open House")
    groups.make(anna, "secret", private=True, name="Secret Society")
    auth.login("bob")
    html = client.get("/groups").get_data(as_text=True)
    assert "Open House" in html and "Secret Society" not in html
    auth.logout()
    auth.login("anna")
    html = client.get("/groups").get_data(as_text=True)
    assert "Open House" in html and "Secret Society" in html
    mine = client.get("/groups?mine=1").get_data(as_text=True)
    assert "Secret Society" in mine
    assert bob  # bob is in no group


def test_admins_see_every_group(client, auth, users, groups, admin):
    anna = users.make("anna")
    groups.make(anna, "secret", private=True, name="Secret Society")
    auth.login("admin")
    assert b"Secret Society" in client.get("/groups").data
    assert client.get("/groups/secret").status_code == 200


def test_create_group_through_the_form(client, auth, users):
    anna = users.make("anna")
    auth.login("anna")
    response = client.post("/groups", data={"name": "Sales & Marketing", "slug": "Sales",
                                            "description": "Hi", "visibility": "private"})
    assert response.status_code == 302
    assert response.location == "/groups/sales"
    group = services.find_group("sales")
    assert group.is_private and group.name == "Sales & Marketing"
    assert access.group_role(anna, group) == "owner"
    shown = client.get("/groups/sales")
    assert shown.status_code == 200
    assert b"Sales &amp; Marketing" in shown.data


@pytest.mark.parametrize("data", [
    {"name": "", "slug": "x", "visibility": "public"},
    {"name": "X", "slug": "", "visibility": "public"},
    {"name": "X", "slug": "a b", "visibility": "public"},
    {"name": "X", "slug": "x", "visibility": "secret"},
])
def test_create_group_form_errors(client, auth, users, data):
    users.make("anna")
    auth.login("anna")
    response = client.post("/groups", data=data)
    assert response.status_code == 400
    assert flashes(response) or b"has-error" in response.data
    assert db.session.scalar(select(func.count(Group.id))) == 0


def test_duplicate_slug_in_the_form(client, auth, users, groups):
    anna = users.make("anna")
    groups.make(anna, "sales")
    auth.login("anna")
    response = client.post("/groups", data={"name": "Sales 2", "slug": "SALES",
                                            "visibility": "public"})
    assert response.status_code == 400
    assert any("exists already" in m for m in flashes(response))


def test_private_group_page_is_404_to_non_members(client, auth, users, groups):
    anna = users.make("anna")
    users.make("bob")
    groups.make(anna, "secret", private=True)
    auth.login("bob")
    assert client.get("/groups/secret").status_code == 404
    for action in ("join", "leave", "members", "notify", "members/anna/remove"):
        response = client.post(f"/groups/secret/{action}", data={"username": "bob"})
        assert response.status_code == 404, action
    assert client.get("/groups/nothing-here").status_code == 404


def test_join_and_leave_through_the_page(client, auth, users, groups):
    anna, bob = users.make("anna"), users.make("bob")
    group = groups.make(anna, "open", name="Open House")
    auth.login("bob")
    html = client.get("/groups/open").get_data(as_text=True)
    assert "Join group" in html
    assert client.post("/groups/open/join").location == "/groups/open"
    assert _role(group, bob) == "member"
    html = client.get("/groups/open").get_data(as_text=True)
    assert "Leave group" in html and "Join group" not in html
    response = client.post("/groups/open/leave")
    assert response.location == "/groups"
    assert "You left Open House." in flashes(client.get("/groups"))
    assert _role(group, bob) is None


def test_last_owner_cannot_leave_through_the_page(client, auth, users, groups):
    anna = users.make("anna")
    group = groups.make(anna, "team")
    auth.login("anna")
    response = client.post("/groups/team/leave")
    assert response.location == "/groups/team"
    assert any("last owner" in m for m in flashes(client.get(response.location)))
    assert _role(group, anna) == "owner"


def test_owner_manages_members_through_the_page(client, auth, users, groups):
    anna, bob = users.make("anna"), users.make("bob", display_name="Bob Baker")
    group = groups.make(anna, "secret", private=True)
    auth.login("anna")
    html = client.get("/groups/secret").get_data(as_text=True)
    assert "Add member" in html
    response = client.post("/groups/secret/members", data={"username": "BOB", "role": "member"})
    assert "Bob Baker is now in the group." in flashes(client.get(response.location))
    assert _role(group, bob) == "member"
    response = client.post("/groups/secret/members", data={"username": "nobody",
                                                           "role": "member"})
    assert "There is no user nobody." in flashes(client.get(response.location))
    client.post("/groups/secret/members/bob/remove")
    assert _role(group, bob) is None
    assert client.post("/groups/secret/members/nobody/remove").status_code == 404


def test_members_cannot_manage_members(client, auth, users, groups):
    anna, bob, carl = users.make("anna"), users.make("bob"), users.make("carl")
    group = groups.make(anna, "team", members=[bob])
    auth.login("bob")
    html = client.get("/groups/team").get_data(as_text=True)
    assert "Add member" not in html
    response = client.post("/groups/team/members", data={"username": "carl", "role": "owner"})
    assert any("owners" in m for m in flashes(client.get(response.location)))
    assert _role(group, carl) is None
    client.post("/groups/team/members/anna/remove")
    assert _role(group, anna) == "owner"


def test_notify_all_setting(client, auth, users, groups):
    anna, bob = users.make("anna"), users.make("bob")
    group = groups.make(anna, "team", members=[bob])
    auth.login("bob")
    client.post("/groups/team/notify", data={"notify_all": "y"})
    db.session.expire_all()
    assert db.session.get(Membership, (group.id, bob.id)).notify_all is True
    client.post("/groups/team/notify", data={})
    db.session.expire_all()
    assert db.session.get(Membership, (group.id, bob.id)).notify_all is False


def test_group_sections_extension_point(client, auth, users, groups, monkeypatch):
    from schwarm.groups import views

    monkeypatch.setattr(views, "GROUP_SECTIONS", [
        lambda viewer, group: ("errors/error.html", {}) if group.slug == "team" else None])
    anna = users.make("anna")
    groups.make(anna, "team")
    auth.login("anna")
    assert client.get("/groups/team").status_code == 200


def test_group_pages_are_accessible(client, auth, users, groups):
    anna = users.make("anna")
    groups.make(anna, "team")
    auth.login("anna")
    for path in ("/groups", "/groups/team"):
        assert page(client.get(path)).unlabelled_controls() == [], path


# --- API ----------------------------------------------------------------------------------------

GROUP_KEYS = {"slug", "name", "description", "visibility", "owners", "members"}


def test_api_lists_visible_groups(api, users, groups):
    anna, bob = users.make("anna"), users.make("bob")
    groups.make(anna, "open", members=[bob])
    groups.make(anna, "secret", private=True)
    body = api.as_user(bob).get("/groups").get_json()
    assert set(body) == {"items", "next"}
    assert [g["slug"] for g in body["items"]] == ["open"]
    [item] = body["items"]
    assert set(item) >= GROUP_KEYS
    assert item["owners"] == ["anna"] and sorted(item["members"]) == ["anna", "bob"]
    assert [g["slug"] for g in api.as_user(anna).get("/groups").get_json()["items"]] == [
        "open", "secret"]


def test_api_group_list_pages(api, users, groups):
    anna = users.make("anna")
    for i in range(5):
        groups.make(anna, f"g{i}")
    client = api.as_user(anna)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get("/groups", query_string=query).get_json()
        seen += [g["slug"] for g in body["items"]]
        pages += 1
        cursor = body["next"]
        if not cursor:
            break
    assert seen == ["g0", "g1", "g2", "g3", "g4"]
    assert pages == 3
    assert client.get("/groups?cursor=nonsense").status_code == 400


def test_api_group_list_needs_few_queries(api, users, groups, count_queries):
    anna = users.make("anna")
    others = [users.make(f"user{i}") for i in range(5)]
    for i in range(10):
        groups.make(anna, f"g{i}", members=others)
    client = api.as_user(anna)
    client.get("/groups")
    with count_queries() as statements:
        body = client.get("/groups").get_json()
    assert len(body["items"]) == 10
    assert len(statements) <= 6, statements


def test_api_create_group(api, users):
    anna = users.make("anna")
    client = api.as_user(anna)
    response = client.post("/groups", json={"slug": "Team", "name": "The Team",
                                            "description": "d", "visibility": "private"})
    assert response.status_code == 201
    assert response.get_json() == {"slug": "team", "name": "The Team", "description": "d",
                                   "visibility": "private", "owners": ["anna"],
                                   "members": ["anna"]}
    again = client.post("/groups", json={"slug": "TEAM", "name": "Again"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "taken"
    for bad in ({"name": "x"}, {"slug": "x"}, {"slug": 1, "name": "x"},
                {"slug": "x y", "name": "x"}, {"slug": "x", "name": "x", "visibility": "hidden"},
                {"slug": "x", "name": "x", "description": ["no"]}):
        response = client.post("/groups", json=bad)
        assert response.status_code == 400, bad
        assert set(response.get_json()["error"]) == {"code", "message"}


def test_api_private_group_is_404_to_outsiders(api, users, groups):
    anna, bob = users.make("anna"), users.make("bob")
    groups.make(anna, "secret", private=True)
    client = api.as_user(bob)
    for call in (lambda: client.get("/groups/secret"),
                 lambda: client.post("/groups/secret/members", json={"username": "bob"}),
                 lambda: client.delete("/groups/secret/members", json={"username": "anna"}),
                 lambda: client.get("/groups/nothing")):
        response = call()
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_api_members(api, users, groups):
    anna, carl = users.make("anna"), users.make("carl")
    users.make("bob")
    group = groups.make(anna, "team")
    as_anna = api.as_user(anna)
    response = as_anna.post("/groups/team/members", json={"username": "bob", "role": "owner"})
    assert response.status_code == 200
    assert response.get_json()["owners"] == ["anna", "bob"] or sorted(
        response.get_json()["owners"]) == ["anna", "bob"]
    # Anyone joins a public group by adding themselves.
    as_carl = api.__class__(api.app, api.client).as_user(carl)
    assert as_carl.post("/groups/team/members", json={"username": "carl"}).status_code == 200
    assert _role(group, carl) == "member"
    # ... but may not add others.
    dora = users.make("dora")
    assert as_carl.post("/groups/team/members", json={"username": "dora"}).status_code == 403
    assert _role(group, dora) is None
    # Leaving = removing oneself.
    response = as_carl.delete("/groups/team/members", json={"username": "carl"})
    assert response.status_code == 200
    assert "carl" not in response.get_json()["members"]
    # Owners remove others.
    assert as_anna.delete("/groups/team/members", json={"username": "bob"}).status_code == 200
    # The last owner stays.
    response = as_anna.delete("/groups/team/members", json={"username": "anna"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "last_owner"
    assert as_anna.post("/groups/team/members", json={"username": "ghost"}).status_code == 404
    assert as_anna.post("/groups/team/members", json={}).status_code == 400
    assert as_anna.post("/groups/team/members", json={"username": "dora",
                                                       "role": "king"}).status_code == 400


def test_a_large_group_shows_its_first_members_and_pages_the_rest(client, auth, users, groups):
    from schwarm.groups import views

    anna = users.make("anna", display_name="Anna Owner")
    people = [users.make(f"m{n:03}", display_name=f"Member {n:03}") for n in range(12)]
    groups.make(anna, "big", members=people)
    auth.login("anna")
    original = views.MEMBERS_ON_GROUP_PAGE, views.MEMBERS_PER_PAGE
    views.MEMBERS_ON_GROUP_PAGE, views.MEMBERS_PER_PAGE = 5, 5
    try:
        html = client.get("/groups/big").get_data(as_text=True)
        assert html.count("/u/m0") == 4 and "/u/anna" in html  # the owner first
        assert "All 13 members" in html and 'href="/groups/big/members"' in html
        seen, url = [], "/groups/big/members"
        while url:
            page = client.get(url)
            assert page.status_code == 200
            text = page.get_data(as_text=True)
            seen += re.findall(r'href="/u/([a-z0-9]+)"', text.split("member-list", 1)[1])
            found = re.search(r'rel="next" href="([^"]+)"', text)
            url = found.group(1).replace("&amp;", "&") if found else None
        assert seen == ["anna", *(f"m{n:03}" for n in range(12))]  # by name, each once
        first = client.get("/groups/big/members").get_data(as_text=True)
        assert "/groups/big/members/m000/remove" in first  # the owner may remove them
        assert "/groups/big/members/anna/remove" not in first
    finally:
        views.MEMBERS_ON_GROUP_PAGE, views.MEMBERS_PER_PAGE = original
    assert client.get("/groups/big/members?after=nonsense").status_code == 400


def test_members_page_of_a_hidden_group_is_404(client, auth, users, groups):
    anna = users.make("anna")
    users.make("carl")
    groups.make(anna, "secret", private=True)
    auth.login("carl")
    assert client.get("/groups/secret/members").status_code == 404
