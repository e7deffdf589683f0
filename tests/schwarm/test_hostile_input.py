"""No 500 on any bad input: every core page and API route gets hostile values in
its path, query, form fields and JSON body, signed in and signed out."""

from __future__ import annotations

import re

import pytest

from schwarm.accounts import services

CORE_BLUEPRINTS = ("accounts", "groups", "notifications", "api", "accounts_api", "groups_api",
                   "notifications_api")
HOSTILE = ["", " ", "x" * 5000, "<script>alert(1)</script>", "../../etc/passwd", "\u202eevil",
           "😀", "0", "-1", "99999999999999999999999", "null", "%", "\\", "a\u200bb", "ä/ö",
           "'; DROP TABLE user; --"]
FIELDS = ["username", "email", "password", "display_name", "name", "slug", "description",
          "visibility", "role", "timezone", "language", "expertise", "successor", "login",
          "next", "invite", "scope", "notify_all", "id", "open", "current_password",
          "new_password", "admin", "title", "department", "q", "before", "cursor", "limit",
          "unread", "mine", "ids"]
JSON_VALUES = [None, True, 0, -1, 2**62, 1.5, [], {}, ["x"], {"a": "b"}, "x" * 3000, "", "😀"]


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in CORE_BLUEPRINTS and rule.endpoint != "static":
            yield rule


def _fill(rule, value: str) -> str:
    path = rule.rule
    for name in rule.arguments:
        filler = "1" if "int:" in path else value.replace("/", "_") or "x"
        path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", lambda _m, f=filler: f, path)
    return path


@pytest.fixture
def world(users, groups, admin):
    anna = users.make("anna")
    groups.make(anna, "team", members=[admin])
    groups.make(anna, "secret", private=True)
    _, token = services.create_token(admin, "fuzz")
    return token


def _check(response, what):
    assert response.status_code < 500, (what, response.status_code,
                                        response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("signed_in", [True, False])
def test_pages_with_hostile_paths_queries_and_forms(app, client, auth, world, signed_in):
    if signed_in:
        auth.login("admin")
    for rule in _rules(app):
        if rule.rule.startswith("/api/") or rule.endpoint == "accounts.logout":
            continue
        for value in HOSTILE:
            path = _fill(rule, value)
            query = {field: value for field in FIELDS}
            if "GET" in rule.methods:
                _check(client.get(path, query_string=query), (path, "GET"))
            if "POST" in rule.methods:
                _check(client.post(path, data=query), (path, "POST", value))
                _check(client.post(path, data={FIELDS[len(value) % len(FIELDS)]: value}),
                       (path, "POST one", value))


def test_api_with_hostile_json(app, client, world):
    headers = {"Authorization": f"Bearer {world}"}
    for rule in _rules(app):
        if not rule.rule.startswith("/api/"):
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        for index, value in enumerate(JSON_VALUES + HOSTILE):
            path = _fill(rule, value if isinstance(value, str) else "team")
            for method in methods:
                if method == "GET":
                    response = client.get(path, headers=headers,
                                          query_string={f: str(value) for f in FIELDS})
                else:
                    body = {field: value for field in FIELDS}
                    if index % 3 == 0:
                        body = value  # not even an object
                    response = client.open(path, method=method, json=body, headers=headers)
                _check(response, (method, path, value))
    # The admin deactivation route last: it would end the admin's token above.
    assert client.get("/api/v1/me", headers=headers).status_code in (200, 401)
