"""Wiki routes of the JSON API (/api/v1/wiki...)."""

from __future__ import annotations

from flask import jsonify, request

from schwarm.accounts.services import iso
from schwarm.api import (
    api_user,
    blueprint,
    body,
    decode_cursor,
    doc,
    encode_cursor,
    get_str,
    limit_arg,
    page,
)
from schwarm.errors import Invalid
from wiki import diffing, manage, queries, services
from wiki.limits import save_limit
from wiki.models import Page, Revision

bp = blueprint("wiki_api", __name__)

_PAGE_BODY = {"title": {"type": "string"}, "body": {"type": "string"},
              "summary": {"type": "string"}, "base_revision": {"type": "integer"},
              "group": {"type": "string"}}


def page_summary(p: Page) -> dict:
    """The list shape of a page."""
    return {"path": p.path, "title": p.title, "revision": p.current_revision,
            "updated_at": iso(p.updated_at),
            "updated_by": p.updated_by.username if p.updated_by else None,
            "group": p.group.slug if p.group else None}


def page_detail(p: Page) -> dict:
    """The full shape of a page (with body and HTML)."""
    return {**page_summary(p), "body": p.body, "html": p.body_html,
            "created_at": iso(p.created_at), "deleted": p.deleted_at is not None,
            "url": services.page_url(p.path)}


def revision_summary(r: Revision, with_body: bool = False) -> dict:
    """A revision in the API; the body only for a single revision."""
    out = {"revision": r.number, "author": r.author.username if r.author else None,
           "summary": r.summary, "title": r.title, "size": r.size,
           "created_at": iso(r.created_at)}
    if with_body:
        out["body"] = r.body
    return out


def _path(path: str) -> str:
    return services.clean_path(path)


def _int_arg(name: str) -> int:
    raw = request.args.get(name, "")
    if not raw.isdigit() or int(raw) < 1:
        raise Invalid(f"'{name}' must be a revision number.", code="invalid_revision")
    return int(raw)


@bp.get("/wiki")
@doc("Pages the caller may see, by path", query={"cursor": "from 'next'", "limit": "1-100",
                                                   "prefix": "only pages below this path"})
def list_pages():
    limit = limit_arg()
    cursor = decode_cursor(request.args.get("cursor"), 1)
    prefix = request.args.get("prefix")
    pages = queries.list_pages(api_user(), after=str(cursor[0]) if cursor else None,
                               prefix=_path(prefix) if prefix else None, limit=limit + 1)
    following = encode_cursor(pages[limit - 1].path) if len(pages) > limit else None
    return page([page_summary(p) for p in pages[:limit]], following)


@bp.get("/wiki/<path:path>")
@doc("One page with its Markdown body and rendered HTML (old paths of moved pages work)")
def get_page(path: str):
    return jsonify(page_detail(queries.get_page(api_user(), _path(path))))


@bp.put("/wiki/<path:path>")
@doc("Create (no base_revision) or edit a page; edits made meanwhile are merged",
     body_schema=_PAGE_BODY,
     responses={201: "created", 409: "conflict: {error, current_revision, conflict}",
                413: "body too large"})
@save_limit
def put_page(path: str):
    data = body()
    if "base_revision" in data and data["base_revision"] is None:
        data.pop("base_revision")
    result = services.save_page(
        api_user(), path, title=data.get("title"), body=data.get("body"),
        summary=data.get("summary"), base_revision=data.get("base_revision"),
        group=get_str(data, "group"))
    out = {**page_detail(result.page), "merged": result.merged, "created": result.created,
           "unchanged": result.unchanged}
    return jsonify(out), 201 if result.created else 200


@bp.get("/wiki/<path:path>/revisions")
@doc("A page's revisions, newest first (without bodies)",
     query={"cursor": "from 'next'", "limit": "1-100"})
def revisions(path: str):
    p = queries.get_page(api_user(), _path(path), with_body=False)
    limit = limit_arg()
    cursor = decode_cursor(request.args.get("cursor"), 1)
    before = int(cursor[0]) if cursor else None
    items = queries.history(p, before=before, limit=limit + 1)
    following = encode_cursor(items[limit - 1].number) if len(items) > limit else None
    return page([revision_summary(r) for r in items[:limit]], following)


@bp.get("/wiki/<path:path>/revisions/<int:number>")
@doc("One revision with its body")
def revision(path: str, number: int):
    p = queries.get_page(api_user(), _path(path), with_body=False)
    return jsonify(revision_summary(queries.get_revision(p, number), with_body=True))


@bp.get("/wiki/<path:path>/diff")
@doc("Unified diff between two revisions", query={"from": "revision number",
                                                  "to": "revision number"})
def diff(path: str):
    p = queries.get_page(api_user(), _path(path), with_body=False)
    old, new = _int_arg("from"), _int_arg("to")
    found = queries.revision_bodies(p, (old, new))
    text = diffing.unified(found[old].body, found[new].body, f"{p.path}@{old}",
                           f"{p.path}@{new}")
    return jsonify({"from": old, "to": new, "unified": text})


@bp.post("/wiki/<path:path>/revert")
@doc("Save an old revision's content as a new revision",
     body_schema={"revision": {"type": "integer"}, "summary": {"type": "string"}})
@save_limit
def revert(path: str):
    data = body()
    result = services.revert_page(api_user(), path, data.get("revision"), data.get("summary"))
    return jsonify({**page_detail(result.page), "merged": result.merged,
                    "unchanged": result.unchanged})


@bp.post("/wiki/<path:path>/move")
@doc("Rename a page (optionally with the pages below it); old paths redirect",
     body_schema={"new_path": {"type": "string"}, "subtree": {"type": "boolean"}})
@save_limit
def move(path: str):
    data = body()
    subtree = data.get("subtree", False)
    if not isinstance(subtree, bool):
        raise Invalid("'subtree' must be true or false.", code="invalid_field")
    pairs = manage.move_page(api_user(), path, get_str(data, "new_path", required=True),
                             subtree=subtree)
    moved = queries.get_page(api_user(), pairs[0][1])
    return jsonify({**page_detail(moved), "moved": [{"from": a, "to": b} for a, b in pairs]})


@bp.delete("/wiki/<path:path>")
@doc("Soft-delete a page (admins and the group's owners); its history is kept")
def delete(path: str):
    manage.delete_page(api_user(), path)
    return jsonify({"path": services.clean_path(path), "deleted": True})


@bp.post("/wiki/<path:path>/restore")
@doc("Restore a soft-deleted page (admins and the group's owners)")
def restore(path: str):
    return jsonify(page_detail(manage.restore_page(api_user(), path)))


@bp.put("/wiki/<path:path>/watch")
@doc("Watch a page: be notified of its edits")
def watch(path: str):
    manage.watch(api_user(), path)
    return jsonify({"watching": True})


@bp.delete("/wiki/<path:path>/watch")
@doc("Stop watching a page")
def unwatch(path: str):
    manage.unwatch(api_user(), path)
    return jsonify({"watching": False})


@bp.get("/wiki/<path:path>/backlinks")
@doc("Pages the caller may see that link to this page")
def backlinks(path: str):
    p = queries.get_page(api_user(), _path(path), with_body=False)
    return jsonify({"items": [{"path": b.path, "title": b.title}
                              for b in queries.backlinks(api_user(), p)], "next": None})
