"""Group routes of the JSON API."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from schwarm.accounts.services import get_user
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
from schwarm.errors import Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups import services
from schwarm.groups.models import MEMBER

bp = blueprint("groups_api", __name__)


@bp.get("/groups")
@doc("Groups you may see, by slug", query={"cursor": "from 'next'", "limit": "1-100"})
def groups():
    limit = limit_arg()
    cursor = decode_cursor(request.args.get("cursor"), 1)
    after = cursor[0] if cursor else None
    if after is not None and not isinstance(after, str):
        raise Invalid(_("That cursor is not valid."), code="invalid_cursor")
    found = services.visible_groups_page(api_user(), after_slug=after, limit=limit + 1)
    following = encode_cursor(found[limit - 1].slug) if len(found) > limit else None
    return page(services.group_summaries(found[:limit]), following)


@bp.post("/groups")
@doc("Create a group; you become its owner", body_schema={
    "slug": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
    "visibility": {"type": "string", "enum": ["public", "private"]}},
    responses={201: "created", 409: "slug taken"})
def create():
    data = body()
    group = services.create_group(
        api_user(),
        get_str(data, "slug", required=True, max_length=200),
        get_str(data, "name", required=True, max_length=500),
        get_str(data, "description", default="", max_length=5000),
        get_str(data, "visibility", default="public"),
    )
    return jsonify(services.group_summary(group)), 201


@bp.get("/groups/<slug>")
@doc("One group with owners and members", responses={404: "absent or not visible"})
def group(slug: str):
    return jsonify(services.group_summary(services.get_visible_group(api_user(), slug)))


@bp.post("/groups/<slug>/members")
@doc("Add a member (owners), or join a public group yourself",
     body_schema={"username": {"type": "string"}, "role": {"type": "string"}})
def add_member(slug: str):
    actor = api_user()
    found = services.get_visible_group(actor, slug)
    data = body()
    username = get_str(data, "username", required=True, max_length=200)
    user = get_user(username)
    if user is None:
        raise NotFound(_("No such user."))
    if user.id == actor.id and not services.access.can_administer_group(actor, found):
        services.join(actor, found)
    else:
        services.add_member(actor, found, user, get_str(data, "role", default=MEMBER))
    return jsonify(services.group_summary(found))


@bp.delete("/groups/<slug>/members")
@doc("Remove a member (owners), or leave", body_schema={"username": {"type": "string"}})
def remove_member(slug: str):
    actor = api_user()
    found = services.get_visible_group(actor, slug)
    data = body()
    user = get_user(get_str(data, "username", required=True, max_length=200))
    if user is None:
        raise NotFound(_("No such user."))
    services.remove_member(actor, found, user)
    db.session.expire_all()
    return jsonify(services.group_summary(found))
