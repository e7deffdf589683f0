"""First-admin setup, signing in and out, sessions, remember-me and ``next=``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from schwarm.accounts.models import LoginSession, User
from schwarm.extensions import db
from tests.conftest import PASSWORD
from tests.schwarm.helpers import deactivate, flashes

SETUP = {"username": "Ada", "display_name": "Ada Lovelace", "email": "ada@example.com",
         "password": "a long enough password"}


def _signed_in(client) -> bool:
    response = client.get("/settings")
    return response.status_code == 200


# --- setup --------------------------------------------------------------------------------

def test_fresh_install_sends_everyone_to_setup(client):
    for path in ("/", "/groups", "/settings", "/u/ada"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.endswith("/setup")
    page = client.get("/setup")
    assert page.status_code == 200
    assert b"Create admin account" in page.data


def test_setup_creates_the_first_admin_and_signs_in(client):
    response = client.post("/setup", data=SETUP)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert (user.username, user.display_name, user.email, user.is_admin) == (
        "ada", "Ada Lovelace", "ada@example.com", True)
    assert user.password_hash != SETUP["password"]
    assert _signed_in(client)


def test_setup_is_gone_once_an_account_exists(client, users):
    users.make("anna")
    assert client.get("/setup").status_code == 404
    response = client.post("/setup", data={**SETUP, "username": "mallory"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_setup_after_setup_via_form_is_404(client):
    client.post("/setup", data=SETUP)
    client.post("/logout")
    assert client.get("/setup").status_code == 404
    # The rest of the site now asks for a sign-in, not for setup.
    assert client.get("/groups").location.startswith("/login")


@pytest.mark.parametrize("field,value", [
    ("password", "short"), ("email", "not-an-address"), ("username", "a b"),
    ("username", "x"), ("username", "anna\u202e"),
])
def test_setup_refuses_bad_input_and_writes_nothing(client, field, value):
    response = client.post("/setup", data={**SETUP, field: value})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert b"has-error" in response.data or flashes(response)


# --- signing in --------------------------------------------------------------------------

@pytest.mark.parametrize("login", ["anna", "ANNA", " anna ", "anna@example.com",
                                   "Anna@Example.COM"])
def test_sign_in_by_username_or_email(client, auth, users, login):
    users.make("anna")
    response = auth.login(login)
    assert response.status_code == 302
    assert response.location == "/"
    assert _signed_in(client)


def test_login_page_for_signed_in_user_redirects(client, auth, users):
    users.make("anna")
    auth.login("anna")
    assert client.get("/login").status_code == 302


def _failed_login_page(client, login, password):
    response = client.post("/login", data={"login": login, "password": password})
    html = response.get_data(as_text=True).replace(login, "LOGIN")
    # The CSRF token is signed with a timestamp: it differs from second to second.
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", html)
    assert "CSRF" in html
    return response.status_code, html, sorted(response.headers.keys())


def test_wrong_password_and_unknown_user_look_the_same(client, users, admin):
    users.make("anna")
    leaver = users.make("lars")
    deactivate(admin, leaver)
    wrong = _failed_login_page(client, "anna", "wrong password!")
    unknown = _failed_login_page(client, "nobody", "wrong password!")
    unknown_mail = _failed_login_page(client, "nobody@example.com", "wrong password!")
    left = _failed_login_page(client, "lars", PASSWORD)  # right password, deactivated
    assert wrong[0] == 200
    assert "Wrong username, e-mail or password." in wrong[1]
    assert wrong == unknown == unknown_mail == left
    assert not _signed_in(client)


def test_deactivated_user_cannot_sign_in(client, auth, users, admin):
    anna = users.make("anna")
    deactivate(admin, anna)
    response = auth.login("anna")
    assert response.status_code == 200
    assert not _signed_in(client)


def test_missing_fields_are_form_errors(client, users):
    users.make("anna")
    response = client.post("/login", data={"login": "", "password": ""})
    assert response.status_code == 200
    assert b"has-error" in response.data


def test_passwords_are_hashed_with_a_memory_hard_kdf(app):
    """The default is scrypt (the tests configure a cheap hash for speed)."""
    from schwarm.accounts.auth import hash_password
    from schwarm.config import Defaults

    assert Defaults.PASSWORD_HASH_METHOD.startswith(("scrypt", "argon2"))
    app.config["PASSWORD_HASH_METHOD"] = Defaults.PASSWORD_HASH_METHOD
    hashed = hash_password("secret password")
    assert hashed.startswith("scrypt:")
    assert "secret password" not in hashed


# --- sessions ----------------------------------------------------------------------------

def test_new_session_at_every_sign_in(client, auth, users):
    users.make("anna")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("anna")
    with client.session_transaction() as session:
        assert "planted" not in session
        first = session["_user_id"]
    auth.logout()
    auth.login("anna")
    with client.session_transaction() as session:
        second = session["_user_id"]
    assert first != second
    # Only hashes of the keys are stored.
    hashes = set(db.session.scalars(select(LoginSession.key_hash)))
    assert first not in hashes and second not in hashes
    assert len(hashes) == 2


def test_logout_ends_the_session_even_for_a_replayed_cookie(client, auth, users, app):
    users.make("anna")
    auth.login("anna")
    stolen = client.get_cookie("session").value
    assert auth.logout().status_code == 302
    assert not _signed_in(client)
    replay = app.test_client()
    replay.set_cookie("session", stolen, domain="localhost")
    response = replay.get("/settings")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_logout_needs_post(client, auth, users):
    users.make("anna")
    auth.login("anna")
    assert client.get("/logout").status_code == 405
    assert _signed_in(client)


def test_logout_shows_a_message(client, auth, users):
    users.make("anna")
    auth.login("anna")
    response = client.post("/logout", follow_redirects=True)
    assert "You are signed out." in flashes(response)


def test_remember_me_cookie_is_revoked_by_logout(client, auth, users, app):
    users.make("anna")
    auth.login("anna", remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None
    assert remember.http_only
    # A browser that kept only the remember-me cookie is signed in again ...
    other = app.test_client()
    other.set_cookie("remember_token", remember.value, domain="localhost")
    assert _signed_in(other)
    # ... until the user signs out anywhere in that login session.
    auth.logout()
    assert client.get_cookie("remember_token") is None
    later = app.test_client()
    later.set_cookie("remember_token", remember.value, domain="localhost")
    assert not _signed_in(later)


def test_deactivation_ends_sessions_and_remember_me(client, auth, users, admin, app):
    anna = users.make("anna")
    auth.login("anna", remember="y")
    remember = client.get_cookie("remember_token").value
    assert _signed_in(client)
    deactivate(admin, anna)
    assert not _signed_in(client)
    other = app.test_client()
    other.set_cookie("remember_token", remember, domain="localhost")
    assert not _signed_in(other)
    open_sessions = db.session.scalar(
        select(func.count(LoginSession.id)).where(LoginSession.revoked_at.is_(None)))
    assert open_sessions == 0


def test_reactivated_user_signs_in_again_but_old_sessions_stay_dead(client, auth, users, admin,
                                                                    app):
    from schwarm.accounts import services

    anna = users.make("anna")
    auth.login("anna")
    cookie = client.get_cookie("session").value
    deactivate(admin, anna)
    services.reactivate(admin, anna)
    old = app.test_client()
    old.set_cookie("session", cookie, domain="localhost")
    assert not _signed_in(old)
    assert auth.login("anna").status_code == 302
    assert _signed_in(client)


# --- next= ---------------------------------------------------------------------------------

EVIL = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "%2F%5Cevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    " //evil.example",
    "//evil.example@localhost",
    "https:/\\evil.example",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", EVIL)
def test_next_rejects_anything_but_local_paths(client, auth, users, target):
    users.make("anna")
    response = auth.login("anna", next=target)
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", EVIL[:8])
def test_next_in_query_of_login_page_when_signed_in(client, auth, users, target):
    users.make("anna")
    auth.login("anna")
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", ["/groups", "/groups?mine=1", "/u/anna#top", "/settings"])
def test_next_to_a_local_path(client, auth, users, target):
    users.make("anna")
    response = auth.login("anna", next=target)
    assert response.location == target
    parts = urlsplit(response.location)
    assert not parts.scheme and not parts.netloc


def test_login_wall_remembers_where_one_wanted_to_go(client, auth, users):
    users.make("anna")
    response = client.get("/groups?mine=1")
    assert response.status_code == 302
    login_page = client.get(response.location)
    assert b'value="/groups?mine=1"' in login_page.data
    signed_in = auth.login("anna", next="/groups?mine=1")
    assert signed_in.location == "/groups?mine=1"


def test_safe_next_unit():
    from schwarm.security import safe_next

    for target in EVIL:
        assert safe_next(target) is None, target
    assert safe_next(None) is None
    assert safe_next("") is None
    assert safe_next("/wiki/a/b?x=%2F") == "/wiki/a/b?x=%2F"
