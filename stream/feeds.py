"""Atom feeds of streams (feedgen): the stream, a group, a tag.

Anonymous readers get public content only. ``?token=<feed token>`` (made in
/settings, scope "feed") shows what that user may see, and nothing else; a
wrong or revoked token is a 404, never a public fallback that could be
mistaken for the private feed. The browser session is ignored here on
purpose, so a feed URL means the same to every reader that holds it.
"""

from __future__ import annotations

import re
from typing import Any

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, request, url_for

from schwarm.accounts.auth import user_for_token
from schwarm.db import utcnow
from schwarm.groups.services import get_visible_group
from stream import queries
from stream.models import Post
from stream.text import excerpt

bp = Blueprint("stream_feeds", __name__, url_prefix="/feeds")

FEED_SIZE = 50
# Characters XML 1.0 cannot carry; lxml refuses them, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text or "")


def _reader() -> Any:
    """The token's owner, None for anonymous; 404 for a bad token."""
    if "token" not in request.args:
        return None
    user = user_for_token(request.args.get("token", ""), scope="feed")
    if user is None:
        abort(404)
    return user


def _atom(title: str, alternate: str, posts: list[Post], private: bool) -> Response:
    feed = FeedGenerator()
    feed.id(alternate)
    feed.title(_xml(title))
    feed.link(href=alternate, rel="alternate")
    feed.link(href=request.url, rel="self")
    feed.updated(max((p.edited_at or p.created_at for p in posts), default=utcnow()))
    for post in posts:
        link = url_for("stream.post", post_id=post.id, _external=True)
        entry = feed.add_entry(order="append")
        entry.id(link)
        entry.link(href=link, rel="alternate")
        headline = post.title or excerpt(post.body_html, 80) or f"#{post.id}"
        entry.title(_xml(f"{post.author.name}: {headline}" if not post.title else headline))
        entry.author(name=_xml(post.author.name))
        entry.published(post.created_at)
        entry.updated(post.edited_at or post.created_at)
        entry.content(_xml(post.body_html), type="html")
        for tag in post.tags:
            entry.category(term=_xml(tag))
    response = Response(feed.atom_str(pretty=False), mimetype="application/atom+xml")
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _posts(reader: Any, scope: queries.Scope) -> list[Post]:
    return queries.stream_page(reader, scope, limit=FEED_SIZE).posts


@bp.get("/stream.atom")
def stream_feed():
    """Public posts; with a token the owner's home stream (``?scope=all``: all they may see)."""
    reader = _reader()
    if reader is None:
        return _atom("Schwarm", url_for("stream.everything", _external=True),
                     _posts(None, queries.Scope(queries.ALL)), private=False)
    if request.args.get("scope") == "all":
        return _atom("Schwarm", url_for("stream.everything", _external=True),
                     _posts(reader, queries.Scope(queries.ALL)), private=True)
    return _atom(f"Schwarm: {reader.name}", url_for("index", _external=True),
                 _posts(reader, queries.Scope(queries.HOME)), private=True)


@bp.get("/groups/<slug>.atom")
def group_feed(slug: str):
    reader = _reader()
    group = get_visible_group(reader, slug)  # NotFound (404) when hidden from the reader
    return _atom(group.name, url_for("groups.show", slug=group.slug, _external=True),
                 _posts(reader, queries.Scope(queries.GROUP, group=group)),
                 private=reader is not None)


@bp.get("/tags/<tag>.atom")
def tag_feed(tag: str):
    reader = _reader()
    name = queries.normalize_tag_name(tag)
    return _atom(f"#{name}", url_for("stream.tag", tag=name, _external=True),
                 _posts(reader, queries.Scope(queries.TAG, tag=name)),
                 private=reader is not None)
