"""Account routes of the JSON API."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from schwarm import access
from schwarm.accounts import services
from schwarm.accounts.services import ProfileChange
from schwarm.api import api_user, blueprint, body, doc, get_str, get_str_list
from schwarm.errors import NotFound

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


@bp.post("/users/<username>/deactivate")
@doc("Admins: deactivate a leaver, optionally handing over to a successor",
     body_schema={"successor": {"type": "string"}}, responses={403: "not an admin"})
def deactivate(username: str):
    from flask import request

    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        data = {}
    admin = api_user()
    if not admin.is_admin:
        from schwarm.errors import Forbidden

        raise Forbidden(_("Only admins deactivate accounts."))
    target = services.get_user(username)
    if target is None:
        raise NotFound(_("No such user."))
    successor = None
    successor_name = get_str(data, "successor")
    if successor_name:
        successor = services.get_user(successor_name)
        if successor is None:
            raise NotFound(_("No such successor."))
    handed = services.deactivate(admin, target, successor)
    return jsonify({**services.user_summary(services.get_user(username)),
                    "handed_over": handed})
