"""Notification routes of the JSON API."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from schwarm.api import api_user, blueprint, decode_cursor, doc, encode_cursor, limit_arg, page
from schwarm.errors import Invalid
from schwarm.notifications import services

bp = blueprint("notifications_api", __name__)


@bp.get("/notifications")
@doc("Your notifications, newest first", query={"unread": "1 for unread only",
                                                "cursor": "from 'next'", "limit": "1-100"})
def notifications():
    limit = limit_arg()
    cursor = decode_cursor(request.args.get("cursor"), 1)
    before = cursor[0] if cursor else None
    if before is not None and (not isinstance(before, int) or isinstance(before, bool)):
        raise Invalid(_("That cursor is not valid."), code="invalid_cursor")
    items = services.inbox(api_user(), unread_only=request.args.get("unread") == "1",
                           before_id=before, limit=limit + 1)
    following = encode_cursor(items[limit - 1].id) if len(items) > limit else None
    return page([services.summary(n) for n in items[:limit]], following)


@bp.post("/notifications/read")
@doc("Mark notifications read: the given ids, or all", body_schema={
    "ids": {"type": "array", "items": {"type": "integer"}}})
def read():
    data = request.get_json(silent=True) or {}
    ids = data.get("ids") if isinstance(data, dict) else None
    if ids is not None and (not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids)):
        raise Invalid(_("'ids' must be a list of integers."), code="invalid_field")
    return jsonify({"marked": services.mark_read(api_user(), ids)})
