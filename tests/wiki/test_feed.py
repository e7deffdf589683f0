"""/feeds/wiki.atom: public changes for everyone, private ones only with a feed token."""

from __future__ import annotations

import feedparser

from schwarm.accounts.services import create_token
from schwarm.groups.services import create_group


def _setup(users, wiki):
    anna, otto = users.make("anna", display_name="Anna"), users.make("otto")
    create_group(anna, "board", "Board", visibility="private")
    wiki.create(anna, "open", "x", title="Open <script>", summary="first")
    wiki.save(anna, "open", "y", title="Open <script>", summary="fixed VPN steps")
    wiki.create(anna, "board/plans", "secret", title="Secret plans", group="board")
    return anna, otto


def test_anonymous_feed_has_public_changes_only(client, users, wiki):
    _setup(users, wiki)
    response = client.get("/feeds/wiki.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo
    titles = [e.title for e in feed.entries]
    assert titles == ["Open <script> (revision 2)", "Open <script> (revision 1)"]
    assert feed.entries[0].link.endswith("/wiki/open/diff?from=1&to=2")
    assert feed.entries[0].summary == "fixed VPN steps"
    assert feed.entries[0].author == "Anna"
    assert b"<script>" not in response.data and b"Secret" not in response.data


def test_feed_token_shows_what_its_user_may_see(client, users, wiki):
    anna, otto = _setup(users, wiki)
    _, token = create_token(anna, "reader", scope="feed")
    feed = feedparser.parse(client.get(f"/feeds/wiki.atom?token={token}").data)
    assert "Secret plans (revision 1)" in [e.title for e in feed.entries]
    _, other = create_token(otto, "reader", scope="feed")
    assert b"Secret" not in client.get(f"/feeds/wiki.atom?token={other}").data


def test_wrong_tokens_are_refused(client, users, wiki):
    anna, _ = _setup(users, wiki)
    _, api_token = create_token(anna, "api", scope="api")
    assert client.get("/feeds/wiki.atom?token=nope").status_code == 401
    assert client.get(f"/feeds/wiki.atom?token={api_token}").status_code == 401


def test_empty_feed(client, users):
    users.make("anna")
    feed = feedparser.parse(client.get("/feeds/wiki.atom").data)
    assert not feed.bozo and feed.entries == []
