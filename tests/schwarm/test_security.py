"""Security defaults: CSRF, headers, cookies, request size and encoding, rate limits,
look-alike names, and GET never changing anything."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from schwarm.accounts import services
from schwarm.accounts.models import User
from schwarm.errors import Conflict, Invalid
from schwarm.extensions import db
from schwarm.groups.models import Group


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- CSRF --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,data", [
    ("/settings", {"display_name": "Hacked", "timezone": "UTC", "language": ""}),
    ("/groups", {"name": "Evil", "slug": "evil", "visibility": "public"}),
    ("/settings/tokens", {"name": "evil", "scope": "api"}),
    ("/settings/password", {"current_password": "correct horse battery",
                            "new_password": "evil evil evil"}),
    ("/logout", {}),
    ("/admin/invites", {"email": ""}),
    ("/notifications/read", {}),
])
def test_missing_csrf_token_is_400_and_changes_nothing(client, auth, users, path, data):
    users.make("anna", admin=True)
    auth.login("anna")
    before = _snapshot()
    response = client.post(path, data=data, csrf=False)
    assert response.status_code == 400
    assert b"CSRF" in response.data
    assert _snapshot() == before
    assert client.get("/settings").status_code == 200  # still signed in


def test_wrong_csrf_token_is_400(client, auth, users):
    users.make("anna")
    auth.login("anna")
    response = client.post("/groups", data={"name": "Evil", "slug": "evil",
                                            "visibility": "public", "csrf_token": "forged"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Group.id))) == 0


def test_login_form_needs_csrf_too(client, users):
    users.make("anna")
    response = client.post("/login", data={"login": "anna",
                                            "password": "correct horse battery"}, csrf=False)
    assert response.status_code == 400
    assert client.get("/settings").status_code == 302


def test_csrf_token_from_another_session_does_not_work(client, auth, users, app):
    users.make("anna")
    other = app.test_client()
    foreign = other.csrf_token()
    auth.login("anna")
    response = client.post("/groups", data={"name": "Evil", "slug": "evil",
                                            "visibility": "public", "csrf_token": foreign})
    assert response.status_code == 400


# --- headers and cookies ------------------------------------------------------------------------

def test_security_headers_on_every_page(client, auth, users):
    users.make("anna")
    for response in (client.get("/login"), client.get("/nothing"),
                     client.get("/api/v1/openapi.json")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/settings", "/u/anna", "/groups", "/notifications",
                                  "/api/v1/me", "/"])
def test_personal_pages_are_private(client, auth, users, path):
    users.make("anna")
    auth.login("anna")
    response = client.get(path)
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]
    assert "Cookie" in response.headers["Vary"]


def test_login_page_with_its_csrf_token_is_private_too(client, users):
    users.make("anna")
    response = client.get("/login")
    assert "private" in response.headers["Cache-Control"]


def test_static_files_are_cacheable(client, auth, users):
    users.make("anna")
    auth.login("anna")
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_session_cookie_flags(client, auth, users):
    users.make("anna")
    response = auth.login("anna", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http in development


def test_cookies_are_secure_over_https(app, users):
    users.make("anna")
    client = app.test_client()
    response = client.post("/login", base_url="https://localhost", data={
        "login": "anna", "password": "correct horse battery", "remember": "y",
        "csrf_token": client.csrf_token()})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "; Secure" in cookie
        assert "HttpOnly" in cookie


# --- size and encoding ---------------------------------------------------------------------------

def test_oversized_form_is_413(client, auth, users, app):
    users.make("anna")
    auth.login("anna")
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post("/settings", data={"display_name": big, "timezone": "UTC"})
    assert response.status_code == 413
    assert b"too large" in response.data


def test_oversized_json_is_413(api, users, app):
    anna = users.make("anna")
    response = api.as_user(anna).patch(
        "/me", json={"title": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_large_form_fields_below_the_limit_are_fine(client, auth, users, app):
    """A form field of 1 MB (a wiki page) is not refused by the form parser."""
    users.make("anna")
    auth.login("anna")
    fields = {"display_name": "Anna", "timezone": "UTC", "language": "",
              "title": "x" * 1_000_000, "csrf_token": client.csrf_token()}
    response = client.post("/settings", data=fields)
    assert response.status_code == 200  # a validation error, not a 413
    assert b"has-error" in response.data
    # The same as multipart, built by hand (the test client would spool it to a file).
    boundary = "schwarmboundary"
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n" for name, value in fields.items()) + f"--{boundary}--\r\n"
    response = client.post("/settings", data=body.encode(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    assert b"has-error" in response.data


@pytest.mark.parametrize("raw", [b"%00", b"a%00b", b"%FF", b"%C3%28", b"%ED%A0%80"])
def test_bad_bytes_in_the_form_are_400(client, auth, users, raw):
    anna = users.make("anna")
    auth.login("anna")
    body = b"csrf_token=" + client.csrf_token().encode() + b"&timezone=UTC&display_name=" + raw
    response = client.post("/settings", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, anna.id).display_name == "Anna"


def test_bad_bytes_in_a_multipart_form_are_400(client, auth, users):
    users.make("anna")
    auth.login("anna")
    response = client.post("/settings", data={"display_name": "a\x00b", "timezone": "UTC"},
                           content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["q=%00", "q=%FF", "next=%C0%AF", "%00=x"])
def test_bad_bytes_in_the_query_are_400(client, users, query):
    users.make("anna")
    assert client.get("/login?" + query).status_code == 400
    assert client.get("/groups?" + query).status_code == 400  # before the login wall
    assert client.get("/api/v1/me?" + query).status_code == 400


@pytest.mark.parametrize("path", ["/u/%00", "/u/%FF", "/groups/a%00b"])
def test_bad_bytes_in_the_path_are_400(client, auth, users, path):
    users.make("anna")
    auth.login("anna")
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("body", [
    b'{"display_name": "a\\u0000b"}',
    b'{"display_name": "\\ud800"}',
    b'{"display_name": "\xff"}',
    b'{"expertise": ["ok", "\\udfff"]}',
    b'{"a\\u0000": 1}',
    b'{"ids": [99999999999999999999999]}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"x": ' + b'{"y": ' * 100 + b"1" + b"}" * 101,
    b'{"n": 1' + b"0" * 5000 + b"}",
])
def test_bad_json_is_400(api, users, body):
    anna = users.make("anna")
    api.as_user(anna)
    response = api.client.patch("/api/v1/me", data=body, content_type="application/json",
                                headers=_bearer(api.token))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert api.get("/me").get_json()["display_name"] == "Anna"


def test_escaped_backslash_u0000_text_is_fine(api, users):
    anna = users.make("anna")
    response = api.as_user(anna).patch("/me", json={"title": "C:\\u0000"})
    assert response.status_code == 200
    assert response.get_json()["title"] == "C:\\u0000"


# --- rate limits -------------------------------------------------------------------------------

class TestRateLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_LOGIN": "3 per minute", "RATELIMIT_TOKEN": "4 per minute"}

    def test_login_is_rate_limited(self, client, users):
        users.make("anna")
        for _ in range(3):
            response = client.post("/login", data={"login": "anna", "password": "wrong!!!!"})
            assert response.status_code == 200
        response = client.post("/login", data={"login": "anna",
                                                "password": "correct horse battery"})
        assert response.status_code == 429
        assert b"Too many requests" in response.data
        assert client.get("/settings").status_code == 302
        assert client.get("/login").status_code == 200  # looking is not limited

    def test_token_use_is_rate_limited(self, client, users):
        anna = users.make("anna")
        _, secret = services.create_token(anna, "script")
        for _ in range(4):
            assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
        response = client.get("/api/v1/me", headers=_bearer(secret))
        assert response.status_code == 429
        assert response.get_json()["error"]["code"] == "rate_limited"

    def test_one_budget_for_the_whole_api(self, client, users):
        anna = users.make("anna")
        _, secret = services.create_token(anna, "script")
        for path in ("/me", "/groups", "/notifications", "/users/anna"):
            assert client.get("/api/v1" + path, headers=_bearer(secret)).status_code == 200
        assert client.get("/api/v1/groups", headers=_bearer(secret)).status_code == 429

    def test_guessing_tokens_is_rate_limited(self, client, users):
        users.make("anna")
        statuses = [client.get("/api/v1/me", headers=_bearer(f"sw_guess{i}")).status_code
                    for i in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        body = client.get("/api/v1/me", headers=_bearer("sw_more")).get_json()
        assert body["error"]["code"] == "rate_limited"


def test_rate_limit_storage_comes_from_the_environment():
    from schwarm.config import Defaults, from_environment

    assert Defaults.RATELIMIT_STORAGE_URI == "memory://"
    found = from_environment({"RATELIMIT_STORAGE_URI": "redis://cache:6379/0"})
    assert found["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


# --- look-alike names -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "anna\u200b",        # zero-width space
    "\u202eanna",        # right-to-left override
    "an\u2066na",        # bidi isolate
    "an\u00adna",        # soft hyphen
    "anna\u3164",        # Hangul filler
    "\u0430nna",         # Cyrillic a among Latin letters
    "ann\u03b1",         # Greek alpha
    "an na",
    "anna.",
    "anna-",
    ".anna",
    "_anna",
    "a",
    "x" * 65,
    "an\x00na",
    "an\nna",
    "an/na",
    "",
])
def test_bad_usernames_are_refused(app, name):
    with pytest.raises(Invalid):
        services.create_user(name, "x@example.com", "long enough password")
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("name", ["ＡＮＮＡ", "Anna", "ANNA", "anna"])
def test_normalised_duplicates_are_refused(users, name):
    users.make("anna")
    with pytest.raises(Conflict):
        services.create_user(name, "other@example.com", "long enough password")


@pytest.mark.parametrize("name,stored", [
    ("Jörg", "jörg"), ("ＢＯＢ", "bob"), ("Straße", "strasse"), ("o'neil".replace("'", "_"),
                                                                    "o_neil"),
    ("李小龙", "李小龙"), ("иван", "иван"), ("anna.b-c_d", "anna.b-c_d"), ("ab", "ab"),
])
def test_good_usernames_are_normalised(app, name, stored):
    user = services.create_user(name, f"{abs(hash(name))}@example.com", "long enough password")
    assert user.username == stored
    assert services.get_user(name).id == user.id


def test_display_names_refuse_bidi_but_keep_emoji_joiners(users):
    anna = users.make("anna")
    with pytest.raises(Invalid):
        services.update_profile(anna, services.ProfileChange(display_name="Anna\u202e"))
    services.update_profile(anna, services.ProfileChange(display_name="Anna 👩\u200d💻"))
    assert services.get_user("anna").display_name == "Anna 👩\u200d💻"


# --- GET never changes state ---------------------------------------------------------------

VOLATILE = {"last_used_at", "last_visit_at", "previous_visit_at"}


def _snapshot() -> dict:
    """Every row of every core table (volatile last-use stamps aside: token use, and
    the visit tracking the catch-up page starts from)."""
    db.session.expire_all()
    tables = ["user", "user_expertise", "login_session", "api_token", "invite", "group",
              "membership", "activity", "notification"]
    state = {}
    for table in tables:
        rows = db.session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        state[table] = sorted(json.dumps({k: str(v) for k, v in row.items()
                                          if k not in VOLATILE}, sort_keys=True)
                              for row in rows)
    db.session.rollback()
    return state


def test_get_requests_change_nothing(client, auth, users, groups, admin, api):
    anna = users.make("anna")
    bob = users.make("bob")
    group = groups.make(anna, "team", members=[bob])
    groups.make(anna, "secret", private=True)
    token = services.create_invite(admin)
    _, secret = services.create_token(anna, "script")
    auth.login("anna")
    before = _snapshot()
    paths = ["/", "/groups", "/groups?mine=1", "/groups/team", "/groups/secret", "/u/anna",
             "/u/bob", "/settings", "/notifications", "/notifications?unread=1", "/login",
             "/register", f"/register?invite={token}", "/setup", "/logout", "/groups/team/join",
             "/groups/team/leave", "/settings/tokens", "/admin/users", "/healthz",
             "/nothing", "/groups/team/members/bob/remove", "/notifications/read"]
    for path in paths:
        client.get(path)
        client.head(path)
    for path in ("/me", "/users/anna", "/groups", "/groups/team", "/notifications",
                 "/openapi.json", "/groups/team/members", "/users/bob/deactivate"):
        client.get("/api/v1" + path, headers=_bearer(secret))
        client.get("/api/v1" + path)
    auth.logout()
    auth.login("admin")
    client.get("/admin/users?q=anna")
    client.get(f"/admin/users/{bob.username}/deactivate")
    after = _snapshot()
    # Signing in and out wrote login sessions; nothing else changed.
    before.pop("login_session")
    after.pop("login_session")
    assert after == before
    assert group.id
