"""Account routes of the JSON API."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from schwarm import access
from schwarm.accounts import services
from schwarm.accounts.services import ProfileChange
from schwarm.api import api_user, blueprint, body, doc, get_str, get_str_list
from schwarm.errors import Forbidden, Invalid, NotFound

bp = blueprint("accounts_api", __name__)


@bp.get("/me")
@doc("The signed-in user")
def me():
    return jsonify(services.me_summary(api_user()))


@bp.patch("/me")
@doc("Change your profile and settings", body_schema={
    "display_name": {"type": "string"}, "title": {"type": "string"},
    "department": {"type": "string"}, "expertise": {"type": "array", "items": {"type": "string"}},
    "language": {"type": "string", "enum": ["de", "en"]}, "timezone": {"type": "string"}})
def patch_me():
    data = body()
    change = ProfileChange(
        display_name=get_str(data, "display_name"),
        title=get_str(data, "title"),
        department=get_str(data, "department"),
        expertise=get_str_list(data, "expertise"),
        language=get_str(data, "language"),
        timezone=get_str(data, "timezone"),
    )
    user = services.update_profile(api_user(), change)
    return jsonify(services.me_summary(user))


@bp.get("/users/<username>")
@doc("A user's public profile", responses={404: "no such user"})
def user(username: str):
    found = services.get_user(username)
    if found is None or not access.can_view_user(api_user(), found):
        raise NotFound(_("No such user."))
    return jsonify(services.user_summary(found))


def _admin_and_target(username: str):
    admin = api_user()
    if not access.is_admin(admin):
        raise Forbidden(_("Only admins deactivate accounts."))
    target = services.get_user(username)
    if target is None:
        raise NotFound(_("No such user."))
    return admin, target


@bp.get("/users/<username>/handover")
@doc("Admins: what a leaver is responsible for, by handover source",
     responses={403: "not an admin", 404: "no such user"})
def pending_handover(username: str):
    from schwarm import handover

    _admin, target = _admin_and_target(username)
    return jsonify({source.key: {"label": str(source.label), "items": [
        {"id": item.id, "title": item.title, "url": item.url} for item in items]}
        for source, items in handover.pending(target)})


@bp.post("/users/<username>/deactivate")
@doc("Admins: deactivate a leaver, optionally handing over to a successor "
     "(everything, or only ``items``: source key -> ids, see GET .../handover)",
     body_schema={"successor": {"type": "string"}, "items": {"type": "object"}},
     responses={403: "not an admin"})
def deactivate(username: str):
    from flask import request

    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        data = {}
    admin, target = _admin_and_target(username)
    successor = None
    successor_name = get_str(data, "successor")
    if successor_name:
        successor = services.get_user(successor_name)
        if successor is None:
            raise NotFound(_("No such successor."))
    selection = _selection(data.get("items"))
    handed = services.deactivate(admin, target, successor, selection)
    return jsonify({**services.user_summary(services.get_user(username)),
                    "handed_over": handed})


def _selection(raw) -> dict[str, list[str]] | None:
    """``items``: an object of source key -> list of ids (strings or numbers), or None."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
            isinstance(ids, list) and all(isinstance(i, str | int) for i in ids)
            for ids in raw.values()):
        raise Invalid(_("items must map a handover source to a list of ids."),
                      code="invalid_items")
    return {str(key): [str(i) for i in ids] for key, ids in raw.items()}
