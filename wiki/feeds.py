"""/feeds/wiki.atom: recent wiki changes as Atom (feedgen).

Outside the login wall: without a token the feed holds what an anonymous
visitor may see (company-wide and public-group pages); ``?token=<feed token>``
shows what that token's user may see, nothing more.
"""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, request, url_for

from schwarm.accounts.auth import user_for_token
from schwarm.db import utcnow
from wiki import queries
from wiki.services import diff_url, page_url

bp = Blueprint("wiki_feeds", __name__)
FEED_SIZE = 50


@bp.get("/feeds/wiki.atom")
def wiki_atom():
    token = request.args.get("token")
    viewer = None
    if token:
        viewer = user_for_token(token, scope="feed")
        if viewer is None:
            abort(401, description="The feed token is wrong, revoked or its owner left.")
    changes = queries.recent_changes(viewer, limit=FEED_SIZE)
    base = request.host_url.rstrip("/")
    feed = FeedGenerator()
    feed.id(url_for("wiki_feeds.wiki_atom", _external=True))
    feed.title("Schwarm wiki: recent changes")
    feed.link(href=base + "/wiki/recent", rel="alternate")
    feed.link(href=url_for("wiki_feeds.wiki_atom", _external=True), rel="self")
    feed.updated(changes[0].created_at if changes else utcnow())
    for revision in reversed(changes):  # feedgen prepends: add oldest first
        page = revision.page
        link = base + (diff_url(page.path, revision.number - 1, revision.number)
                       if revision.number > 1 else page_url(page.path))
        entry = feed.add_entry()
        # A tag URI: stable when the page moves.
        entry.id(f"tag:{request.host.split(':')[0]},2024:wiki/{page.id}/{revision.number}")
        entry.title(f"{revision.title} (revision {revision.number})")
        entry.link(href=link)
        entry.updated(revision.created_at)
        entry.published(revision.created_at)
        author = revision.author
        entry.author({"name": author.name if author else "someone"})
        entry.summary(revision.summary or ("created" if revision.number == 1 else "edited"))
    response = Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")
    if viewer is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response
