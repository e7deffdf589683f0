"""The stream's JSON API: shapes of API.md, errors, paging, privacy, limits."""

from __future__ import annotations

import pytest

from schwarm.api import encode_cursor
from stream import posts

POST_FIELDS = {"id", "author", "group", "kind", "title", "body", "html", "tags", "mentions",
               "created_at", "edited_at", "like_count", "comment_count",
               "accepted_comment_id", "pinned", "url"}
COMMENT_FIELDS = {"id", "post_id", "author", "body", "html", "created_at", "like_count"}


def as_(api, user):
    from tests.conftest import Api

    return Api(api.app, api.client).as_user(user)


def test_create_and_read_a_post(api, people):
    anna = as_(api, people.anna)
    response = anna.post("/posts", json={"body": "Hello @ben #Release", "group": "town",
                                         "tags": ["extra"]})
    assert response.status_code == 201, response.json
    data = response.json
    assert POST_FIELDS <= set(data)
    assert data["author"] == "anna" and data["group"] == "town" and data["kind"] == "update"
    assert data["tags"] == ["extra", "release"] and data["mentions"] == ["ben"]
    assert data["created_at"].endswith("Z") and data["edited_at"] is None
    assert data["url"].endswith(f"/posts/{data['id']}")
    assert '<a class="mention"' in data["html"]
    got = as_(api, people.carla).get(f"/posts/{data['id']}")
    assert got.status_code == 200 and got.json["liked"] is False


def test_questions_need_title_and_tag(api, people):
    anna = as_(api, people.anna)
    missing = anna.post("/posts", json={"body": "why?", "kind": "question"})
    assert missing.status_code == 400
    assert missing.json["error"]["code"] == "missing_title"
    ok = anna.post("/posts", json={"body": "why?", "kind": "question", "title": "Why",
                                   "tags": ["ops"]})
    assert ok.status_code == 201 and ok.json["title"] == "Why"


@pytest.mark.parametrize("payload, status, code", [
    ({}, 400, "missing_field"),
    ({"body": "   "}, 400, "empty_body"),
    ({"body": 5}, 400, "invalid_field"),
    ({"body": "x", "kind": "poem"}, 400, "invalid_kind"),
    ({"body": "x", "tags": "notalist"}, 400, "invalid_field"),
    ({"body": "x", "group": "board"}, 404, "not_found"),
    ({"body": "x", "group": "town"}, 403, "not_a_member"),
    ({"body": "x", "group": "nowhere"}, 404, "not_found"),
])
def test_bad_posts_are_refused(api, people, payload, status, code):
    response = as_(api, people.carla).post("/posts", json=payload)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_too_large_is_413_with_a_message(api, people, app):
    app.config["POST_MAX_BYTES"] = 1000
    response = as_(api, people.anna).post("/posts", json={"body": "x" * 1001})
    assert response.status_code == 413
    assert "1,000" in response.json["error"]["message"]
    assert response.json["max_bytes"] == 1000


def test_writes_need_a_token_not_the_session(client, auth, people):
    auth.login("anna")
    assert client.post("/api/v1/posts", json={"body": "x"}).status_code == 401
    assert client.get("/api/v1/stream").status_code == 200


def test_private_posts_are_404_for_outsiders(api, people, post):
    secret = post(people.anna, "secret", people.board)
    carla = as_(api, people.carla)
    for method, path in [("get", f"/posts/{secret.id}"), ("get", f"/posts/{secret.id}/comments"),
                         ("post", f"/posts/{secret.id}/comments"),
                         ("put", f"/posts/{secret.id}/like"),
                         ("get", f"/posts/{secret.id}/likes"),
                         ("get", f"/posts/{secret.id}/history"),
                         ("patch", f"/posts/{secret.id}"), ("delete", f"/posts/{secret.id}")]:
        kwargs = {"json": {"body": "x"}} if method in ("post", "patch") else {}
        response = getattr(carla, method)(path, **kwargs)
        assert response.status_code == 404, (method, path)
        assert "secret" not in response.get_data(as_text=True)
    assert as_(api, people.carla).get("/stream?scope=group:board").status_code == 404


def test_stream_paging_with_cursor(api, people, post):
    made = [post(people.anna, f"n{i}", people.town).id for i in range(5)]
    ben = as_(api, people.ben)
    first = ben.get("/stream?scope=group:town&limit=2").json
    assert [p["id"] for p in first["items"]] == made[::-1][:2]
    second = ben.get(f"/stream?scope=group:town&limit=2&cursor={first['next']}").json
    assert [p["id"] for p in second["items"]] == made[::-1][2:4]
    third = ben.get(f"/stream?scope=group:town&limit=2&cursor={second['next']}").json
    assert [p["id"] for p in third["items"]] == made[:1] and third["next"] is None
    assert ben.get("/stream?cursor=garbage").status_code == 400
    assert ben.get(f"/stream?cursor={encode_cursor('x')}").status_code == 400
    assert ben.get("/stream?scope=nonsense").status_code == 400
    assert ben.get("/stream?limit=1000").status_code == 200


def test_poll_endpoint(api, people, post):
    first = post(people.anna, "first", people.town)
    ben = as_(api, people.ben)
    assert ben.get(f"/stream/new?scope=home&since={first.id}").json == {"count": 0}
    post(people.anna, "second", people.town)
    assert ben.get(f"/stream/new?scope=group:town&since={first.id}").json == {"count": 1}
    assert ben.get("/stream/new?scope=home&since=abc").status_code == 400


def test_edit_history_delete(api, people, post):
    p = post(people.anna, "v1")
    anna = as_(api, people.anna)
    edited = anna.patch(f"/posts/{p.id}", json={"body": "v2 #new"})
    assert edited.status_code == 200
    assert edited.json["body"] == "v2 #new" and edited.json["edited_at"]
    assert edited.json["tags"] == ["new"]
    history = anna.get(f"/posts/{p.id}/history").json["items"]
    assert [(r["body"], r["editor"]) for r in history] == [("v2 #new", "anna"), ("v1", "anna")]
    assert as_(api, people.ben).patch(f"/posts/{p.id}", json={"body": "x"}).status_code == 403
    assert as_(api, people.ben).delete(f"/posts/{p.id}").status_code == 403
    assert anna.delete(f"/posts/{p.id}").status_code == 204
    assert anna.get(f"/posts/{p.id}").status_code == 404
    admin_view = as_(api, people.root).get(f"/posts/{p.id}")
    assert admin_view.status_code == 200 and admin_view.json["deleted_at"]


def test_comments(api, people, post):
    p = post(people.anna, "topic", people.town)
    ben = as_(api, people.ben)
    made = ben.post(f"/posts/{p.id}/comments", json={"body": "*yes*"})
    assert made.status_code == 201
    assert COMMENT_FIELDS <= set(made.json)
    assert made.json["post_id"] == p.id and "<em>yes</em>" in made.json["html"]
    for i in range(3):
        ben.post(f"/posts/{p.id}/comments", json={"body": f"more {i}"})
    listed = ben.get(f"/posts/{p.id}/comments?limit=3").json
    assert len(listed["items"]) == 3 and listed["next"]
    rest = ben.get(f"/posts/{p.id}/comments?limit=3&cursor={listed['next']}").json
    assert [c["body"] for c in rest["items"]] == ["more 2"] and rest["next"] is None
    cid = made.json["id"]
    assert ben.patch(f"/comments/{cid}", json={"body": "edited"}).json["body"] == "edited"
    assert len(ben.get(f"/comments/{cid}/history").json["items"]) == 2
    assert as_(api, people.carla).patch(f"/comments/{cid}",
                                        json={"body": "x"}).status_code == 403
    assert as_(api, people.carla).delete(f"/comments/{cid}").status_code == 403
    assert ben.delete(f"/comments/{cid}").status_code == 204
    assert ben.get(f"/comments/{cid}").status_code == 404
    assert ben.get(f"/posts/{p.id}").json["comment_count"] == 3


def test_likes_are_idempotent(api, people, post):
    p = post(people.anna, "like me")
    ben, carla = as_(api, people.ben), as_(api, people.carla)
    assert ben.put(f"/posts/{p.id}/like").json == {"like_count": 1}
    assert ben.put(f"/posts/{p.id}/like").json == {"like_count": 1}
    assert carla.put(f"/posts/{p.id}/like").json == {"like_count": 2}
    likers = ben.get(f"/posts/{p.id}/likes?limit=1").json
    assert [u["username"] for u in likers["items"]] == ["carla"]
    more = ben.get(f"/posts/{p.id}/likes?limit=1&cursor={likers['next']}").json
    assert [u["username"] for u in more["items"]] == ["ben"] and more["next"] is None
    assert ben.delete(f"/posts/{p.id}/like").json == {"like_count": 1}
    assert ben.delete(f"/posts/{p.id}/like").json == {"like_count": 1}
    c = ben.post(f"/posts/{p.id}/comments", json={"body": "c"}).json
    assert carla.put(f"/comments/{c['id']}/like").json == {"like_count": 1}
    assert carla.put(f"/comments/{c['id']}/like").json == {"like_count": 1}
    assert [u["username"] for u in ben.get(f"/comments/{c['id']}/likes").json["items"]] == [
        "carla"]
    assert carla.delete(f"/comments/{c['id']}/like").json == {"like_count": 0}
    assert ben.get("/posts/999999/like").status_code == 405
    assert ben.put("/posts/999999/like").status_code == 404


def test_pin_via_api(api, people, post):
    note = post(people.anna, "note", people.town, kind="announcement")
    assert as_(api, people.ben).put(f"/posts/{note.id}/pin").status_code == 403
    assert as_(api, people.anna).put(f"/posts/{note.id}/pin").json["pinned"] is True
    assert as_(api, people.anna).delete(f"/posts/{note.id}/pin").json["pinned"] is False


def test_follows_via_api(api, people, post):
    ben = as_(api, people.ben)
    assert ben.put("/follows/tag/Release").json["name"] == "#release"
    assert ben.put("/follows/user/carla").status_code == 200
    assert ben.put("/follows/group/board").status_code == 200
    assert as_(api, people.carla).put("/follows/group/board").status_code == 404
    assert ben.put("/follows/planet/mars").status_code == 404
    assert [t["kind"] for t in ben.get("/follows").json["items"]] == ["user", "group", "tag"]
    assert ben.delete("/follows/tag/release").json["following"] is False
    tagged = post(people.carla, "#release notes")
    assert tagged.id in [p["id"] for p in ben.get("/stream").json["items"]]


def test_openapi_documents_the_stream(api, people):
    spec = as_(api, people.ben).get("/openapi.json").json
    for path in ("/stream", "/stream/new", "/posts", "/posts/{post_id}",
                 "/posts/{post_id}/comments", "/posts/{post_id}/like", "/comments/{comment_id}",
                 "/follows/{kind}/{name}"):
        assert path in spec["paths"], path


@pytest.mark.parametrize("app_config", [{"RATELIMIT_POSTING": "3 per minute"}])
def test_posting_is_rate_limited_per_user(api, people, post):
    anna = as_(api, people.anna)
    target = post(people.ben, "target")
    assert anna.post("/posts", json={"body": "1"}).status_code == 201
    assert anna.post("/posts", json={"body": "2"}).status_code == 201
    assert anna.post(f"/posts/{target.id}/comments", json={"body": "3"}).status_code == 201
    limited = anna.post("/posts", json={"body": "4"})
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"
    # Another person is not slowed down by Anna; reading is not limited either.
    assert as_(api, people.ben).post("/posts", json={"body": "mine"}).status_code == 201
    assert anna.get("/stream").status_code == 200
    assert posts.get_visible_post(people.anna, target.id)
