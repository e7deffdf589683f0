"""``GET /api/v1/search`` and ``GET /api/v1/search/similar``."""

from __future__ import annotations

import pytest


@pytest.fixture
def content(world, docs):
    docs.add("page", "it/vpn", "VPN einrichten", "So richtest du das VPN am Laptop ein.",
             author=world.anna, tags=["it"])
    docs.add("question", 5, "VPN geht nicht", "Mein VPN verbindet sich nicht mit dem Büro.",
             author=world.ben, tags=["it"], extra={"answered": False})
    docs.add("post", 6, "", "VPN Zugangsdaten des Vorstands", group=world.board,
             author=world.anna)
    return world


def test_search_shape(api, content):
    response = api.as_user(content.carla).get("/search?q=VPN")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 2 and data["next"] is None
    page = next(item for item in data["items"] if item["type"] == "page")
    assert page["path"] == page["id"] == "it/vpn"
    assert page["url"] == "/wiki/it/vpn"
    assert page["created_at"].endswith("Z")
    assert "<mark>VPN</mark>" in page["snippet_html"]
    assert set(page) >= {"type", "id", "title", "snippet_html", "url", "score", "created_at"}
    assert {f["value"]: f["count"] for f in data["facets"]["type"]} == {"page": 1,
                                                                        "question": 1}
    assert "suggestion" not in data


def test_filters_cursor_and_suggestion(api, content, docs):
    for i in range(5):
        docs.add("post", f"x{i}", "", "Druckerpatrone wechseln")
    client = api.as_user(content.carla)
    first = client.get("/search?q=Druckerpatrone&limit=2&sort=date").get_json()
    second = client.get(f"/search?q=Druckerpatrone&limit=2&sort=date&cursor={first['next']}")
    ids = [i["id"] for i in first["items"]] + [i["id"] for i in second.get_json()["items"]]
    assert ids == ["x4", "x3", "x2", "x1"]
    data = client.get("/search?q=VPN&type=question&tag=it&author=ben").get_json()
    assert [item["id"] for item in data["items"]] == ["5"]
    assert client.get("/search?q=Druckerpatrne").get_json()["suggestion"] == "druckerpatrone"


@pytest.mark.parametrize("query", ["type=spaceship", "q=x&cursor=bad", "q=" + "x" * 501,
                                   "q=x&limit=0x", "q=x&since=31.12.2024"])
def test_bad_input_is_a_400_with_a_message(api, content, query):
    response = api.as_user(content.carla).get("/search?" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_members_find_private_content_others_do_not(api, content):
    assert api.as_user(content.ben).get("/search?q=Zugangsdaten").get_json()["total"] == 1
    assert api.as_user(content.carla).get("/search?q=Zugangsdaten").get_json()["total"] == 0


def test_similar(api, content):
    client = api.as_user(content.carla)
    data = client.get("/search/similar?text=Mein VPN funktioniert nicht").get_json()
    assert {item["type"] for item in data["items"]} == {"question", "page"}
    question = next(item for item in data["items"] if item["type"] == "question")
    assert question["extra"]["answered"] is False
    data = client.get("/search/similar?text=VPN&type=page").get_json()
    assert [item["id"] for item in data["items"]] == ["it/vpn"]
    assert client.get("/search/similar?text=VPN&type=secret").status_code == 400
    assert client.get("/search/similar?text=").get_json() == {"items": []}


def test_needs_authentication_and_is_documented(api, content, client):
    assert client.get("/api/v1/search?q=VPN").status_code == 401
    spec = api.as_user(content.carla).get("/openapi.json").get_json()
    assert {"/search", "/search/similar"} <= set(spec["paths"])
