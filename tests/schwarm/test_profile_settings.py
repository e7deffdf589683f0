"""Profile pages and /settings: profile fields, expertise, language, time zone, password."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import schwarm.db
from schwarm.accounts import services
from schwarm.accounts.models import User
from schwarm.extensions import db
from tests.conftest import PASSWORD
from tests.schwarm.helpers import deactivate, flashes, page

PROFILE = {"display_name": "Anna Schmidt", "title": "Engineer", "department": "R&D",
           "expertise": "#Python, sql  python Datenbanken", "language": "",
           "timezone": "Europe/Berlin"}


def _fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# --- profile page ----------------------------------------------------------------------

def test_profile_page_shows_the_person(client, auth, users):
    anna = users.make("anna", display_name="Anna <b>Schmidt</b>")
    services.update_profile(anna, services.ProfileChange(
        title="Engineer", department="R&D", expertise=["python", "sql"]))
    users.make("bob")
    auth.login("bob")
    response = client.get("/u/anna")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Anna &lt;b&gt;Schmidt&lt;/b&gt;" in html  # escaped, never markup
    assert "Engineer" in html and "R&amp;D" in html
    assert 'href="/tags/python"' in html and "#sql" in html
    assert "@anna" in html


def test_profile_url_is_case_and_width_insensitive(client, auth, users):
    users.make("anna")
    auth.login("anna")
    for name in ("ANNA", "Anna", "ａｎｎａ"):
        assert client.get(f"/u/{name}").status_code == 200


def test_unknown_profile_is_404(client, auth, users):
    users.make("anna")
    auth.login("anna")
    assert client.get("/u/nobody").status_code == 404
    assert client.get("/u/" + "x" * 5000).status_code == 404


def test_profiles_need_signing_in(client, users):
    users.make("anna")
    response = client.get("/u/anna")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_former_colleague_profile_stays(client, auth, users, admin):
    lars = users.make("lars")
    deactivate(admin, lars)
    auth.login("admin")
    response = client.get("/u/lars")
    assert response.status_code == 200
    assert b"Former colleague" in response.data


def test_profile_sections_extension_point(client, auth, users, monkeypatch):
    from schwarm.accounts import views

    seen = []

    def provider(viewer, user):
        seen.append((viewer.username, user.username))
        return ("errors/error.html", {"x": 1}) if user.username == "anna" else None

    monkeypatch.setattr(views, "PROFILE_SECTIONS", [provider])
    users.make("anna")
    users.make("bob")
    auth.login("bob")
    assert client.get("/u/anna").status_code == 200
    assert client.get("/u/bob").status_code == 200
    assert seen == [("bob", "anna"), ("bob", "bob")]


def test_recent_activity_hides_private_groups(client, auth, users, groups):
    anna = users.make("anna")
    users.make("bob")
    groups.make(anna, "secret-club", private=True, name="Secret Club")
    groups.make(anna, "open-club", name="Open Club")
    auth.login("bob")
    html = client.get("/u/anna").get_data(as_text=True)
    assert "Open Club" in html
    assert "Secret Club" not in html


# --- settings ------------------------------------------------------------------------------

def test_settings_page_shows_current_values(client, auth, users):
    anna = users.make("anna", expertise=["python", "sql"])
    services.update_profile(anna, services.ProfileChange(title="Engineer", language="de",
                                                         timezone="Europe/Berlin"))
    auth.login("anna")
    response = client.get("/settings")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="python sql"' in html
    assert 'value="Engineer"' in html
    assert 'value="Europe/Berlin"' in html
    assert '<option selected value="de">' in html


def test_settings_save_everything(client, auth, users):
    anna = users.make("anna")
    auth.login("anna")
    response = client.post("/settings", data=PROFILE)
    assert response.status_code == 302
    assert "Your profile is saved." in flashes(client.get(response.location))
    anna = _fresh(anna)
    assert anna.display_name == "Anna Schmidt"
    assert anna.title == "Engineer"
    assert anna.department == "R&D"
    assert anna.expertise == ["datenbanken", "python", "sql"]  # normalised, no duplicates
    assert anna.timezone == "Europe/Berlin"
    assert anna.language is None


def test_expertise_can_be_cleared(client, auth, users):
    anna = users.make("anna", expertise=["python"])
    auth.login("anna")
    client.post("/settings", data={**PROFILE, "expertise": ""})
    assert _fresh(anna).expertise == []


@pytest.mark.parametrize("field,value", [
    ("timezone", "Mars/Olympus_Mons"),
    ("timezone", "../../etc/passwd"),
    ("timezone", ""),
    ("timezone", "x" * 100),
    ("language", "fr"),
    ("display_name", ""),
    ("display_name", "x" * 121),
    ("display_name", "Anna\u202eevil"),
    ("expertise", "c++"),
    ("expertise", " ".join(f"t{i}" for i in range(31))),
])
def test_bad_settings_are_refused_cleanly(client, auth, users, field, value):
    anna = users.make("anna")
    before = (anna.display_name, anna.timezone, anna.language, anna.expertise)
    auth.login("anna")
    response = client.post("/settings", data={**PROFILE, field: value})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert b"has-error" in response.data or flashes(response)
    anna = _fresh(anna)
    assert (anna.display_name, anna.timezone, anna.language, anna.expertise) == before


def test_language_setting_switches_the_ui_to_german(client, auth, users):
    users.make("anna")
    auth.login("anna")
    assert b">Groups<" in client.get("/settings").data
    client.post("/settings", data={**PROFILE, "language": "de"})
    html = client.get("/settings").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert ">Gruppen<" in html and ">Einstellungen<" in html
    client.post("/settings", data={**PROFILE, "language": "en"})
    assert b">Groups<" in client.get("/settings", headers={"Accept-Language": "de"}).data


def test_times_are_shown_in_the_users_zone(client, auth, users, monkeypatch):
    moment = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(schwarm.db, "clock", lambda: moment)
    anna = users.make("anna")
    services.update_profile(anna, services.ProfileChange(timezone="Asia/Tokyo", language="en"))
    auth.login("anna")
    html = client.get("/u/anna").get_data(as_text=True)
    assert 'datetime="2026-01-15T12:00:00Z"' in html
    assert "9:00:00" in html  # 12:00 UTC is 21:00 in Tokyo
    assert "PM" in html


# --- password ------------------------------------------------------------------------------

def test_password_change_needs_the_current_password(client, auth, users):
    anna = users.make("anna")
    old_hash = anna.password_hash
    auth.login("anna")
    response = client.post("/settings/password", data={"current_password": "wrong one!",
                                                        "new_password": "brand new password"})
    assert response.status_code == 302
    assert "The current password is not right." in flashes(client.get(response.location))
    assert _fresh(anna).password_hash == old_hash


def test_password_change_ends_other_sessions(client, auth, users, app):
    from tests.conftest import Auth

    anna = users.make("anna")
    old_hash = anna.password_hash
    other = app.test_client()
    Auth(other).login("anna")
    assert other.get("/settings").status_code == 200
    auth.login("anna")
    response = client.post("/settings/password", data={"current_password": PASSWORD,
                                                        "new_password": "brand new password"})
    assert "Your password is changed; other sessions were signed out." in flashes(
        client.get(response.location))
    assert _fresh(anna).password_hash != old_hash
    assert client.get("/settings").status_code == 200  # this session stays
    assert other.get("/settings").status_code == 302   # the other one is gone
    auth.logout()
    assert auth.login("anna").status_code == 200       # old password no longer works
    assert auth.login("anna", password="brand new password").status_code == 302


def test_too_short_new_password(client, auth, users):
    anna = users.make("anna")
    old_hash = anna.password_hash
    auth.login("anna")
    response = client.post("/settings/password", data={"current_password": PASSWORD,
                                                        "new_password": "short"})
    assert "New passwords need at least 8 characters." in flashes(client.get(response.location))
    assert _fresh(anna).password_hash == old_hash


def test_settings_pages_need_signing_in(client, users):
    users.make("anna")
    for path in ("/settings",):
        assert client.get(path).location.startswith("/login")
    for path in ("/settings/password", "/settings/tokens", "/settings/tokens/1/revoke"):
        response = client.post(path, data={})
        assert response.status_code == 302
        assert response.location.startswith("/login")


def test_settings_page_is_accessible(client, auth, users):
    users.make("anna")
    auth.login("anna")
    parsed = page(client.get("/settings"))
    assert parsed.unlabelled_controls() == []
