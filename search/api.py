"""JSON API: ``GET /api/v1/search`` and ``GET /api/v1/search/similar``."""

from __future__ import annotations

from flask import current_app, jsonify, request

from schwarm import api
from schwarm.accounts.services import iso
from schwarm.extensions import limiter
from search import services

bp = api.blueprint("search_api", __name__)


def _limit() -> str:
    return current_app.config["RATELIMIT_SEARCH"]


def serialize(item: dict) -> dict:
    """One result as API.md describes it (plus author, group, tags, kind, extra)."""
    out = {key: item[key] for key in ("type", "id", "title", "snippet_html", "url", "score",
                                      "author", "group", "tags", "kind", "extra")}
    out["created_at"] = iso(item["created_at"])
    if "path" in item:
        out["path"] = item["path"]
    return out


@bp.get("/search")
@api.doc(
    "Search everything the caller may see",
    query={
        "q": "words, \"phrases\", -excluded, author:, tag:, group:, type: (max 500 chars)",
        "type": "post|comment|question|page|user|group (repeatable)",
        "group": "group slug (repeatable)", "author": "username (repeatable)",
        "tag": "tag (repeatable)", "since": "YYYY-MM-DD", "until": "YYYY-MM-DD (inclusive)",
        "sort": "relevance (default) or date", "cursor": "from `next`", "limit": "1-100",
    },
    responses={400: "bad query, filter or cursor"},
)
@limiter.limit(_limit)
def search_endpoint():
    args = request.args
    page = services.search(
        api.api_user(), args.get("q", ""), types=args.getlist("type"),
        group=args.getlist("group"), author=args.getlist("author"), tag=args.getlist("tag"),
        since=args.get("since"), until=args.get("until"), sort=args.get("sort", "relevance"),
        cursor=args.get("cursor"), limit=api.limit_arg(),
    )
    body = {
        "items": [serialize(item) for item in page.items],
        "total": page.total,
        "next": page.next_cursor,
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count}
                          for v in values] for name, values in page.facets.items()},
        "notices": page.notices,
    }
    if page.suggestion:
        body["suggestion"] = page.suggestion
    return jsonify(body)


@bp.get("/search/similar")
@api.doc(
    "What resembles a draft: questions and pages the caller may see",
    query={"text": "the draft title and body (max 5000 chars used)",
           "type": "question|page (repeatable; default both)", "limit": "1-20 (default 5)"},
    responses={400: "unknown type"},
)
@limiter.limit(_limit)
def similar_endpoint():
    types = tuple(request.args.getlist("type")) or services.SIMILAR_TYPES
    limit = min(api.limit_arg(), 20) if request.args.get("limit") else 5
    items = services.similar(api.api_user(), request.args.get("text", ""), types=types,
                             limit=limit)
    return jsonify({"items": [serialize(item) for item in items]})
