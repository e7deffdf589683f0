"""Atom feeds, checked with feedparser: public without a token, private only with one."""

from __future__ import annotations

import feedparser
import pytest

from schwarm.accounts.services import create_token, revoke_token
from stream import posts


def parse(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def feed_token(user) -> str:
    return create_token(user, "reader", "feed")[1]


def titles(feed) -> list[str]:
    return [entry.title for entry in feed.entries]


def test_public_stream_feed(client, people, post):
    first = post(people.anna, "Hello **world** #news")
    post(people.anna, "Town talk", people.town)
    post(people.anna, "Board secret", people.board)
    feed = parse(client.get("/feeds/stream.atom"))
    assert titles(feed) == ["Anna Alpha: Town talk", "Anna Alpha: Hello world #news"]
    entry = feed.entries[1]
    assert entry.id == f"http://localhost/posts/{first.id}"
    assert entry.link == entry.id
    assert "<strong>world</strong>" in entry.content[0].value
    assert entry.author == "Anna Alpha"
    assert [t.term for t in entry.tags] == ["news"]


def test_token_feed_shows_what_its_owner_may_see(client, people, post):
    post(people.anna, "Board secret", people.board)
    post(people.carla, "Carla's own")
    ben = feed_token(people.ben)
    carla = feed_token(people.carla)
    response = client.get(f"/feeds/stream.atom?token={ben}")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert titles(parse(response)) == ["Anna Alpha: Board secret"]  # Ben's home stream
    assert "Anna Alpha: Board secret" in titles(
        parse(client.get(f"/feeds/stream.atom?token={ben}&scope=all")))
    assert titles(parse(client.get(f"/feeds/stream.atom?token={carla}&scope=all"))) == [
        "Carla Gamma: Carla's own"]


def test_bad_tokens_get_no_content(client, people, post):
    post(people.anna, "Board secret", people.board)
    api_token = create_token(people.ben, "api", "api")[1]  # wrong scope
    token, secret = create_token(people.ben, "reader", "feed")
    revoke_token(people.ben, token.id)
    for bad in ("nonsense", api_token, secret, ""):
        for path in ("/feeds/stream.atom", "/feeds/groups/board.atom", "/feeds/tags/x.atom"):
            response = client.get(f"{path}?token={bad}")
            assert response.status_code in (401, 404), (path, bad)
            assert b"Board secret" not in response.data


def test_group_feeds(client, people, post):
    post(people.anna, "Town talk", people.town)
    post(people.anna, "Board secret", people.board)
    assert titles(parse(client.get("/feeds/groups/town.atom"))) == ["Anna Alpha: Town talk"]
    assert client.get("/feeds/groups/board.atom").status_code == 404
    carla = feed_token(people.carla)
    assert client.get(f"/feeds/groups/board.atom?token={carla}").status_code == 404
    ben = feed_token(people.ben)
    feed = parse(client.get(f"/feeds/groups/board.atom?token={ben}"))
    assert titles(feed) == ["Anna Alpha: Board secret"]
    assert feed.feed.title == "Board Room"


def test_tag_feeds_filter_private_posts(client, people, post):
    post(people.anna, "Public #Release notes")
    post(people.anna, "Secret #release plan", people.board)
    public = parse(client.get("/feeds/tags/RELEASE.atom"))
    assert titles(public) == ["Anna Alpha: Public #Release notes"]
    ben = feed_token(people.ben)
    assert len(parse(client.get(f"/feeds/tags/release.atom?token={ben}")).entries) == 2
    carla = feed_token(people.carla)
    assert len(parse(client.get(f"/feeds/tags/release.atom?token={carla}")).entries) == 1


def test_feeds_skip_deleted_posts_and_keep_at_most_50(client, people, post):
    gone = post(people.anna, "to be deleted")
    posts.delete_post(people.anna, gone)
    for i in range(55):
        post(people.anna, f"n{i}")
    feed = parse(client.get("/feeds/stream.atom"))
    assert len(feed.entries) == 50
    assert "Anna Alpha: to be deleted" not in titles(feed)
    assert titles(feed)[0] == "Anna Alpha: n54"


def test_feed_survives_characters_xml_cannot_carry(client, people, post):
    post(people.anna, "control \x0b\x01 chars & <script>alert(1)</script>", kind="question",
         title="Title \x1f here #q")
    feed = parse(client.get("/feeds/stream.atom"))
    assert feed.entries[0].title == "Title here #q"
    assert "control" in feed.entries[0].content[0].value
    assert "<script" not in feed.entries[0].content[0].value


@pytest.mark.parametrize("path", ["/feeds/stream.atom", "/feeds/groups/town.atom",
                                  "/feeds/tags/x.atom"])
def test_feeds_need_no_sign_in(client, people, path):
    assert client.get(path).status_code == 200
