"""The wiki JSON API: every endpoint, its errors, and access rules for group pages."""

from __future__ import annotations

import pytest

from schwarm.groups.services import create_group

TEXT = "".join(f"Line {i}\n" for i in range(1, 11))
PAGE_KEYS = {"path", "title", "body", "html", "revision", "updated_at", "updated_by", "group"}


def _line(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines)


@pytest.fixture
def anna(users):
    return users.make("anna")


def test_create_get_list(api, anna):
    client = api.as_user(anna)
    response = client.put("/wiki/Sales/Onboarding", json={"title": "Onboarding", "body": TEXT,
                                                          "summary": "first"})
    assert response.status_code == 201
    data = response.get_json()
    assert PAGE_KEYS <= set(data)
    assert data["path"] == "sales/onboarding" and data["revision"] == 1
    assert data["created"] is True and data["merged"] is False
    assert data["updated_by"] == "anna" and data["group"] is None
    assert data["html"].startswith("<p>Line 1")

    page = client.get("/wiki/sales/onboarding").get_json()
    assert PAGE_KEYS <= set(page) and page["body"] == TEXT and page["revision"] == 1
    assert page["updated_at"].endswith("Z")
    # Any spelling of the path reaches the same page.
    assert client.get("/wiki/SALES/Onboarding").get_json()["path"] == "sales/onboarding"

    for path in ("b", "a", "c"):
        client.put(f"/wiki/{path}", json={"title": path, "body": "x"})
    first = client.get("/wiki?limit=2").get_json()
    assert [p["path"] for p in first["items"]] == ["a", "b"]
    assert set(first["items"][0]) == {"path", "title", "revision", "updated_at", "updated_by",
                                      "group"}
    second = client.get(f"/wiki?limit=2&cursor={first['next']}").get_json()
    assert [p["path"] for p in second["items"]] == ["c", "sales/onboarding"]
    assert second["next"] is None
    prefixed = client.get("/wiki?prefix=sales").get_json()
    assert [p["path"] for p in prefixed["items"]] == ["sales/onboarding"]


def test_edit_merge_and_conflict(api, users, anna):
    ben = users.make("ben")
    a = api.as_user(anna)
    a.put("/wiki/doc", json={"title": "Doc", "body": TEXT})
    again = a.put("/wiki/doc", json={"title": "Doc", "body": "x"})
    assert again.status_code == 409
    assert again.get_json()["current_revision"] == 1
    assert again.get_json()["error"]["code"] == "page_exists"

    saved = a.put("/wiki/doc", json={"title": "Doc", "body": _line(TEXT, 2, "A2"),
                                     "base_revision": 1})
    assert saved.status_code == 200
    assert saved.get_json()["revision"] == 2 and saved.get_json()["merged"] is False

    b = api.as_user(ben)
    merged = b.put("/wiki/doc", json={"title": "Doc", "body": _line(TEXT, 8, "B8"),
                                      "base_revision": 1, "summary": "ben"})
    assert merged.status_code == 200
    data = merged.get_json()
    assert data["merged"] is True and data["revision"] == 3
    assert "A2\n" in data["body"] and "B8\n" in data["body"]

    conflict = b.put("/wiki/doc", json={"title": "Doc", "body": _line(TEXT, 2, "B2"),
                                        "base_revision": 1})
    assert conflict.status_code == 409
    body = conflict.get_json()
    assert body["error"]["code"] == "edit_conflict" and body["error"]["message"]
    assert body["current_revision"] == 3
    assert body["conflict"]["yours"] == _line(TEXT, 2, "B2")
    assert "A2" in body["conflict"]["theirs"] and body["conflict"]["base"] == TEXT
    assert "<<<<<<<" in body["conflict"]["marked"]
    assert a.get("/wiki/doc").get_json()["revision"] == 3


@pytest.mark.parametrize("path, payload, status, code", [
    ("a/../b", {"title": "T", "body": "x"}, 400, "invalid_path"),
    ("a%2F%2Fb", {"title": "T", "body": "x"}, 400, "invalid_path"),
    ("a/", {"title": "T", "body": "x"}, 400, "invalid_path"),
    ("a%09b", {"title": "T", "body": "x"}, 400, "invalid_path"),
    ("x" * 201, {"title": "T", "body": "x"}, 400, "invalid_path"),
    ("ok/history", {"title": "T", "body": "x"}, 400, "invalid_path"),
    ("ok", {"title": "", "body": "x"}, 400, "invalid_title"),
    ("ok", {"body": "x"}, 400, "invalid_title"),
    ("ok", {"title": "T", "body": ["x"]}, 400, "invalid_body"),
    ("ok", {"title": "T", "body": "x", "base_revision": "1"}, 400, "invalid_base_revision"),
    ("ok", {"title": "T", "body": "x", "summary": 5}, 400, "invalid_summary"),
    ("ok", {"title": "T", "body": "x", "group": "nope"}, 404, "not_found"),
])
def test_bad_input(api, anna, path, payload, status, code):
    response = api.as_user(anna).put(f"/wiki/{path}", json=payload)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]
    assert api.get("/wiki").get_json()["items"] == []


def test_non_json_body_is_400(api, anna):
    response = api.as_user(anna).put("/wiki/ok", data="title=x",
                                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_too_large_is_413_with_nothing_written(api, app, anna):
    app.config["WIKI_MAX_BYTES"] = 2000
    client = api.as_user(anna)
    response = client.put("/wiki/big", json={"title": "Big", "body": "x" * 2001})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert "2,000 bytes" in response.get_json()["error"]["message"]
    assert client.get("/wiki/big").status_code == 404


def test_revisions_diff_revert(api, users, anna):
    client = api.as_user(anna)
    client.put("/wiki/doc", json={"title": "Doc", "body": "one\ntwo\n", "summary": "s1"})
    client.put("/wiki/doc", json={"title": "Doc", "body": "one\n2\n", "summary": "s2",
                                  "base_revision": 1})
    items = client.get("/wiki/doc/revisions").get_json()["items"]
    assert [(r["revision"], r["summary"], r["author"]) for r in items] == [
        (2, "s2", "anna"), (1, "s1", "anna")]
    assert "body" not in items[0] and items[0]["created_at"].endswith("Z")
    paged = client.get("/wiki/doc/revisions?limit=1").get_json()
    assert len(paged["items"]) == 1 and paged["next"]
    rest = client.get(f"/wiki/doc/revisions?limit=1&cursor={paged['next']}").get_json()
    assert [r["revision"] for r in rest["items"]] == [1] and rest["next"] is None
    one = client.get("/wiki/doc/revisions/1").get_json()
    assert one["body"] == "one\ntwo\n" and one["revision"] == 1
    assert client.get("/wiki/doc/revisions/9").status_code == 404

    diff = client.get("/wiki/doc/diff?from=1&to=2").get_json()
    assert diff["from"] == 1 and diff["to"] == 2
    assert diff["unified"] == "--- doc@1\n+++ doc@2\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n"
    assert client.get("/wiki/doc/diff?from=1&to=7").status_code == 404
    assert client.get("/wiki/doc/diff?from=x&to=2").status_code == 400
    assert client.get("/wiki/doc/diff?to=2").status_code == 400

    reverted = client.post("/wiki/doc/revert", json={"revision": 1})
    assert reverted.status_code == 200
    assert reverted.get_json()["revision"] == 3 and reverted.get_json()["body"] == "one\ntwo\n"
    assert client.get("/wiki/doc/revisions").get_json()["items"][0]["summary"] == \
        "Reverted to revision 1"
    assert client.post("/wiki/doc/revert", json={"revision": "1"}).status_code == 400
    assert client.post("/wiki/doc/revert", json={"revision": 99}).status_code == 404


def test_move_delete_restore_watch_backlinks(api, users, anna):
    admin = users.make("root", admin=True)
    client = api.as_user(anna)
    client.put("/wiki/guide", json={"title": "Guide", "body": "x"})
    client.put("/wiki/guide/part", json={"title": "Part", "body": "x"})
    client.put("/wiki/home", json={"title": "Home", "body": "[[Guide]]"})

    links = client.get("/wiki/guide/backlinks").get_json()
    assert links["items"] == [{"path": "home", "title": "Home"}]

    moved = client.post("/wiki/guide/move", json={"new_path": "Handbook", "subtree": True})
    assert moved.status_code == 200
    assert moved.get_json()["path"] == "handbook"
    assert {(m["from"], m["to"]) for m in moved.get_json()["moved"]} == {
        ("guide", "handbook"), ("guide/part", "handbook/part")}
    assert client.get("/wiki/guide").get_json()["path"] == "handbook"
    assert client.get("/wiki/handbook/backlinks").get_json()["items"][0]["path"] == "home"
    assert client.post("/wiki/handbook/move", json={"new_path": "home"}).status_code == 409
    assert client.post("/wiki/handbook/move", json={"new_path": "a/../b"}).status_code == 400
    assert client.post("/wiki/handbook/move",
                       json={"new_path": "x", "subtree": "yes"}).status_code == 400

    assert client.put("/wiki/handbook/watch").get_json() == {"watching": True}
    assert client.delete("/wiki/handbook/watch").get_json() == {"watching": False}

    assert client.delete("/wiki/handbook").status_code == 403
    root = api.as_user(admin)
    assert root.delete("/wiki/handbook").get_json() == {"path": "handbook", "deleted": True}
    assert api.as_user(anna).get("/wiki/handbook").status_code == 404
    edit = api.put("/wiki/handbook", json={"title": "x", "body": "x", "base_revision": 1})
    assert edit.status_code == 409 and edit.get_json()["error"]["code"] == "page_deleted"
    restored = api.as_user(admin).post("/wiki/handbook/restore")
    assert restored.status_code == 200 and restored.get_json()["deleted"] is False
    assert api.as_user(anna).get("/wiki/handbook").status_code == 200


def test_group_pages_through_the_api(api, users, anna):
    outsider = users.make("otto")
    create_group(anna, "board", "Board", visibility="private")
    client = api.as_user(anna)
    created = client.put("/wiki/board/plans", json={"title": "Plans", "body": "[[x]]",
                                                    "group": "board"})
    assert created.status_code == 201 and created.get_json()["group"] == "board"
    other = api.as_user(outsider)
    for path in ("/wiki/board/plans", "/wiki/board/plans/revisions",
                 "/wiki/board/plans/revisions/1", "/wiki/board/plans/diff?from=1&to=1",
                 "/wiki/board/plans/backlinks"):
        assert other.get(path).status_code == 404, path
    assert other.get("/wiki").get_json()["items"] == []
    assert other.put("/wiki/board/plans", json={"title": "x", "body": "x",
                                                "base_revision": 1}).status_code == 404
    assert other.post("/wiki/board/plans/revert", json={"revision": 1}).status_code == 404
    assert other.put("/wiki/board/plans/watch").status_code == 404
    assert other.delete("/wiki/board/plans").status_code == 404
    assert other.post("/wiki/board/plans/restore").status_code == 404
    assert other.post("/wiki/board/plans/move", json={"new_path": "x"}).status_code == 404
    taken = other.put("/wiki/board/plans", json={"title": "x", "body": "x"})
    assert taken.status_code == 409 and "conflict" not in taken.get_json()


def test_api_needs_a_token_for_writes(client, anna):
    assert client.get("/api/v1/wiki").status_code == 401
    assert client.put("/api/v1/wiki/x", json={"title": "x", "body": "x"}).status_code == 401


def test_openapi_documents_the_wiki(api, anna):
    spec = api.as_user(anna).get("/openapi.json").get_json()
    assert "put" in spec["paths"]["/wiki/{path}"]
    assert "get" in spec["paths"]["/wiki/{path}/diff"]


def test_saves_are_rate_limited_per_user(api, app, anna):
    app.config["RATELIMIT_WIKI"] = "2 per minute"
    client = api.as_user(anna)
    assert client.put("/wiki/a", json={"title": "A", "body": "x"}).status_code == 201
    assert client.put("/wiki/b", json={"title": "B", "body": "x"}).status_code == 201
    limited = client.put("/wiki/c", json={"title": "C", "body": "x"})
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/wiki/a").status_code == 200  # reading is not limited
