"""The JSON API foundation: authentication, error shape, pagination, /me, /users,
deactivation and /openapi.json."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from schwarm import api as api_module
from schwarm.accounts import services
from schwarm.errors import Invalid
from schwarm.extensions import db


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body


# --- authentication ---------------------------------------------------------------------

def test_no_token_is_401(client, users):
    users.make("anna")
    for method, path in (("get", "/me"), ("patch", "/me"), ("get", "/users/anna"),
                         ("get", "/groups"), ("post", "/groups"), ("get", "/notifications")):
        response = getattr(client, method)("/api/v1" + path, json={} if method != "get" else None)
        _error(response, 401, "unauthorized")
    assert "Bearer" in client.get("/api/v1/me").get_json()["error"]["message"]


def test_session_cookie_reads_but_never_writes(client, auth, users):
    anna = users.make("anna")
    auth.login("anna")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["username"] == "anna"
    _error(client.patch("/api/v1/me", json={"display_name": "Hacked"}), 401, "token_required")
    _error(client.post("/api/v1/groups", json={"slug": "x", "name": "x"}), 401,
           "token_required")
    db.session.expire_all()
    assert db.session.get(type(anna), anna.id).display_name == "Anna"


def test_bearer_token_user_is_the_current_user(api, users):
    anna = users.make("anna")
    response = api.as_user(anna).get("/me")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


# --- /me and /users ------------------------------------------------------------------------

def test_me_shape(api, users):
    anna = users.make("anna", expertise=["python"])
    body = api.as_user(anna).get("/me").get_json()
    assert body["username"] == "anna"
    assert body["expertise"] == ["python"]
    assert set(body) >= {"username", "display_name", "title", "department", "expertise",
                         "active", "email", "language", "timezone", "is_admin", "created_at"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created_at"])


def test_patch_me(api, users):
    anna = users.make("anna")
    response = api.as_user(anna).patch("/me", json={
        "display_name": "Anna S.", "title": "CTO", "department": "IT",
        "expertise": ["#Go", "go", "Rust"], "language": "de", "timezone": "Europe/Berlin"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["display_name"], body["title"], body["department"], body["expertise"],
            body["language"], body["timezone"]) == (
        "Anna S.", "CTO", "IT", ["go", "rust"], "de", "Europe/Berlin")
    # Only the fields sent change.
    body = api.patch("/me", json={"title": ""}).get_json()
    assert body["title"] == "" and body["display_name"] == "Anna S."


@pytest.mark.parametrize("payload,code", [
    ({"display_name": 5}, "invalid_field"),
    ({"display_name": ""}, None),
    ({"display_name": "x" * 121}, None),
    ({"language": "fr"}, "invalid_language"),
    ({"timezone": "Mars/Base"}, "invalid_timezone"),
    ({"timezone": None, "language": 1}, "invalid_field"),
    ({"expertise": "python"}, "invalid_field"),
    ({"expertise": [1, 2]}, "invalid_field"),
    ({"expertise": ["c++"]}, "invalid_tag"),
    ({"display_name": "Fine", "timezone": "Nowhere/City"}, "invalid_timezone"),
])
def test_patch_me_validation_changes_nothing(api, users, payload, code):
    anna = users.make("anna")
    response = api.as_user(anna).patch("/me", json=payload)
    _error(response, 400, code)
    body = api.get("/me").get_json()
    assert body["display_name"] == "Anna" and body["timezone"] == "UTC"


@pytest.mark.parametrize("data,content_type", [
    ("[1, 2]", "application/json"),
    ('"text"', "application/json"),
    ("{not json", "application/json"),
    ("display_name=x", "application/x-www-form-urlencoded"),
    ("", "application/json"),
])
def test_patch_me_needs_a_json_object(api, users, data, content_type):
    anna = users.make("anna")
    api.as_user(anna)
    response = api.client.patch("/api/v1/me", data=data, content_type=content_type,
                                headers={"Authorization": f"Bearer {api.token}"})
    _error(response, 400)


def test_user_profile(api, users, admin):
    users.make("bob", display_name="Bob Baker")
    body = api.as_user(admin).get("/users/BOB").get_json()
    assert body == {"username": "bob", "display_name": "Bob Baker", "title": "",
                    "department": "", "expertise": [], "active": True}
    assert "email" not in body
    _error(api.get("/users/nobody"), 404, "not_found")


def test_deactivate_through_the_api(api, users, admin, groups):
    anna, bob = users.make("anna"), users.make("bob")
    groups.make(anna, "team")
    _, anna_token = services.create_token(anna, "script")
    as_bob = api.as_user(bob)
    _error(as_bob.post("/users/anna/deactivate", json={}), 403, "forbidden")
    as_admin = api.as_user(admin)
    _error(as_admin.post("/users/nobody/deactivate", json={}), 404)
    _error(as_admin.post("/users/anna/deactivate", json={"successor": "ghost"}), 404)
    _error(as_admin.post("/users/admin/deactivate", json={}), 400)
    response = as_admin.post("/users/anna/deactivate", json={"successor": "bob"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["active"] is False and body["username"] == "anna"
    assert body["handed_over"] == {"groups": ["team"]}
    # Anna's token died with her account; her profile stays.
    probe = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {anna_token}"})
    _error(probe, 401)
    assert as_admin.get("/users/anna").get_json()["active"] is False


# --- errors -------------------------------------------------------------------------------------

def test_error_shapes(api, users, app):
    anna = users.make("anna")
    client = api.as_user(anna)
    _error(client.get("/nothing/here"), 404, "not_found")
    _error(client.delete("/me"), 405, "method_not_allowed")
    _error(client.post("/me", json={}), 405)
    _error(client.patch("/me", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                        content_type="application/json"), 413, "too_large")
    _error(client.patch("/me", json={"language": "xx"}), 400)
    # Also without any authentication, unknown paths are plain JSON 404s.
    _error(app.test_client().get("/api/v1/nothing"), 404)


# --- pagination helpers --------------------------------------------------------------------------

def test_cursor_round_trip():
    cursor = api_module.encode_cursor(12, "slug", 1.5)
    assert api_module.decode_cursor(cursor, 3) == [12, "slug", 1.5]
    assert api_module.decode_cursor(None, 1) is None
    assert api_module.decode_cursor("", 1) is None


@pytest.mark.parametrize("cursor", [
    "!!!", "e30", api_module.encode_cursor(1, 2), api_module.encode_cursor([1]),
    api_module.encode_cursor(2**70), api_module.encode_cursor("x" * 1000),
    "W" * 5000, api_module.encode_cursor(None), api_module.encode_cursor(float("nan")),
])
def test_bad_cursors_are_invalid(cursor):
    with pytest.raises(Invalid) as raised:
        api_module.decode_cursor(cursor, 1)
    assert raised.value.code == "invalid_cursor"


@pytest.mark.parametrize("raw,expected", [
    ("", 20), ("1", 1), ("100", 100), ("1000", 100), ("0", 1), ("07", 7),
])
def test_limit_values(app, raw, expected):
    with app.test_request_context(f"/?limit={raw}"):
        assert api_module.limit_arg() == expected


@pytest.mark.parametrize("raw", ["-1", "abc", "1.5", "²", "١٢", "9" * 5000, " 5"])
def test_bad_limits(app, raw):
    with app.test_request_context("/", query_string={"limit": raw}):
        with pytest.raises(Invalid) as raised:
            api_module.limit_arg()
    assert raised.value.code == "invalid_limit"


def test_pagination_over_http(api, users):
    from schwarm.db import write_transaction
    from schwarm.notifications.services import notify

    anna, bob = users.make("anna"), users.make("bob")
    with write_transaction():
        for i in range(5):
            notify([anna.id], "test", actor_id=bob.id, obj=None, object_type="x", object_id=i,
                   url=f"/x/{i}", text=f"note {i}")
    client = api.as_user(anna)
    texts, cursor = [], None
    while True:
        response = client.get("/notifications", query_string={"limit": 2, **(
            {"cursor": cursor} if cursor else {})})
        body = response.get_json()
        texts += [item["text"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert texts == [f"note {i}" for i in range(4, -1, -1)]
    for bad in ("?limit=x", "?cursor=zzz", "?limit=²", "?cursor=" + api_module.encode_cursor(
            "abc"), "?cursor=" + api_module.encode_cursor(2**63)):
        _error(client.get("/notifications" + bad), 400)


# --- OpenAPI ------------------------------------------------------------------------------------

def _api_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    return routes


def test_openapi_is_public_and_lists_every_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented == _api_routes(app)


def test_openapi_is_valid_openapi_3(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["servers"][0]["url"] == "/api/v1"
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    operation_ids = []
    for path, operations in spec["paths"].items():
        assert path.startswith("/")
        template_params = set(re.findall(r"{([^}]+)}", path))
        for method, operation in operations.items():
            assert method in {"get", "put", "post", "delete", "patch"}
            assert operation["summary"]
            assert operation["responses"]
            for status, response in operation["responses"].items():
                assert status == "default" or re.fullmatch(r"[1-5]\d\d", status)
                assert response["description"]
            params = operation.get("parameters", [])
            path_params = {p["name"] for p in params if p["in"] == "path"}
            assert path_params == template_params, (path, method)
            for param in params:
                assert param["in"] in {"path", "query", "header", "cookie"}
                assert "schema" in param
                if param["in"] == "path":
                    assert param["required"] is True
            names = [(p["name"], p["in"]) for p in params]
            assert len(names) == len(set(names))
            if "requestBody" in operation:
                assert method in {"post", "put", "patch", "delete"}
                assert "application/json" in operation["requestBody"]["content"]
            operation_ids.append(operation["operationId"])
            for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(operation)):
                assert ref in spec["components"]["schemas"]
    assert len(operation_ids) == len(set(operation_ids))
    assert "security" not in spec["paths"]["/openapi.json"]["get"] or spec["paths"][
        "/openapi.json"]["get"]["security"] == []
