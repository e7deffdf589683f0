"""Search pages: ``/search`` (results, filters, facets) and ``/search/suggest`` (JSON).

Views parse arguments and call :mod:`search.services`; bad input is shown as
a message on the page (status 400), never as a 500.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _
from flask_login import current_user, login_required

from schwarm.errors import ServiceError
from schwarm.extensions import limiter
from search import services
from search.query import MAX_QUERY_CHARS

bp = Blueprint("search", __name__)

FILTER_ARGS = ("type", "group", "author", "tag")


def _search_limit() -> str:
    return current_app.config["RATELIMIT_SEARCH"]


def _suggest_limit() -> str:
    return current_app.config.get("RATELIMIT_SUGGEST", "600 per minute")


def _url(args: dict[str, list[str]], **changes) -> str:
    """/search with ``args`` changed: a value None drops the argument."""
    merged = {k: list(v) for k, v in args.items()}
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value if isinstance(value, list) else [value]
    if "cursor" not in changes:
        merged.pop("cursor", None)  # a changed search starts at its first page
    pairs = [(k, v) for k in sorted(merged) for v in merged[k] if v not in ("", None)]
    return "/search" + ("?" + urlencode(pairs) if pairs else "")


def _toggle(args: dict[str, list[str]], name: str, value: str) -> str:
    values = list(args.get(name, []))
    values = [v for v in values if v != value] if value in values else [*values, value]
    return _url(args, **{name: values})


@bp.get("/search")
@login_required
@limiter.limit(_search_limit)
def results():
    args = {k: [v[:MAX_QUERY_CHARS + 1] for v in request.args.getlist(k)] for k in request.args}
    q = request.args.get("q", "")
    error = None
    page = None
    try:
        page = services.search(
            current_user, q,
            types=request.args.getlist("type"), group=request.args.getlist("group"),
            author=request.args.getlist("author"), tag=request.args.getlist("tag"),
            since=request.args.get("since"), until=request.args.get("until"),
            sort=request.args.get("sort", "relevance"), cursor=request.args.get("cursor"),
        )
    except ServiceError as err:
        error = err.message
    html = render_template(
        "search/search.html", page=page, error=error, q=q, args=args,
        url=lambda **changes: _url(args, **changes),
        toggle=lambda name, value: _toggle(args, name, value),
        since=request.args.get("since", ""), until=request.args.get("until", ""),
        max_chars=MAX_QUERY_CHARS, type_labels=services.TYPE_NAMES,
        former=_former_authors(page),
    )
    return html, 400 if error else 200


def _former_authors(page) -> set[str]:
    """Usernames of deactivated authors among the hits (one query), to mark them."""
    from sqlalchemy import select

    from schwarm.accounts.models import User
    from schwarm.extensions import db

    names = {item["author"] for item in (page.items if page else []) if item.get("author")}
    if not names:
        return set()
    return set(db.session.scalars(
        select(User.username).where(User.username.in_(names), User.active.is_(False))))


@bp.get("/search/suggest")
@login_required
@limiter.limit(_suggest_limit)
def suggest():
    """Search-as-you-type for the navigation box: ``{"items": [{type, label, url}]}``."""
    items = services.suggest(current_user, request.args.get("q", ""))
    return jsonify({"items": [
        {"type": i.type, "label": i.label, "url": i.url,
         "type_label": str(services.TYPE_NAMES.get(i.type, _("Tag")))}
        for i in items]})
