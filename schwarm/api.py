"""The JSON API foundation under ``/api/v1``: authentication, input parsing,
the error shape, cursor pagination and the OpenAPI description.

Every feature defines its routes on a blueprint from :func:`blueprint`, and
documents each route with :func:`doc`; ``/api/v1/openapi.json`` is generated
from those annotations, so the description lives beside the routes.

Writes need ``Authorization: Bearer <token>``; a browser session is accepted
for GET only, so a forged cross-site request can never change anything.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse_many

from schwarm.errors import Invalid, json_error
from schwarm.extensions import csrf, limiter
from schwarm.security import bad_text

PREFIX = "/api/v1"
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_CURSOR_TEXT = 500
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint for API routes of one feature, mounted under /api/v1."""
    bp = Blueprint(name, import_name, url_prefix=PREFIX)
    bp.before_request(_authenticate)
    csrf.exempt(bp)
    # One budget per token across every API blueprint, not one per blueprint.
    limiter.shared_limit(lambda: current_app.config["RATELIMIT_TOKEN"], scope="api",
                         key_func=_rate_key)(bp)
    return bp


def _rate_key() -> str:
    from schwarm.accounts.auth import bearer_token, digest

    token = bearer_token()
    return "token:" + digest(token) if token else "ip:" + (request.remote_addr or "?")


def _refused_tokens_exceeded() -> bool:
    """Count a refused token against the client's address (RATELIMIT_LOGIN).

    The per-token limit cannot stop guessing, since every guess is a new
    token; this one does. True once the address has guessed too often.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False
    address = request.remote_addr or "?"
    exceeded = False
    for item in parse_many(current_app.config["RATELIMIT_LOGIN"]):
        if not limiter.limiter.hit(item, "api-refused-token", address):
            exceeded = True
    return exceeded


def _authenticate():
    from schwarm.accounts.auth import bearer_token, user_for_token
    from schwarm.extensions import login_manager

    if request.endpoint and request.endpoint.endswith(".openapi"):
        return None
    token = bearer_token()
    if token is not None:
        user = user_for_token(token)
        if user is None:
            if _refused_tokens_exceeded():
                return json_error(429, _("Too many requests; slow down."), "rate_limited")
            return json_error(401, _("The token is missing, wrong, revoked or its owner left."),
                              "unauthorized")
        g.api_user = user
        # The token's owner is the current user of this request (language, headers).
        login_manager._update_request_context_with_user(user)
        return None
    if request.method in ("GET", "HEAD") and current_user.is_authenticated:
        g.api_user = current_user._get_current_object()
        return None
    if current_user.is_authenticated:
        return json_error(401, _("Changes through the API need an Authorization: Bearer token."),
                          "token_required")
    return json_error(401, _("Authenticate with Authorization: Bearer <token>."), "unauthorized")


def api_user():
    """The authenticated user of this API request."""
    return g.api_user


def body() -> dict[str, Any]:
    """The JSON object of the request, or Invalid."""
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid(_("Send a JSON object with Content-Type: application/json."),
                      code="invalid_json")
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."), code="invalid_json")
    return data


def get_str(data: dict, name: str, *, required: bool = False, default: str | None = None,
            max_length: int | None = None) -> str | None:
    """A string field of a JSON body, type-checked."""
    value = data.get(name, default)
    if value is None:
        if required:
            raise Invalid(_("'%(name)s' is required.", name=name), code="missing_field")
        return None
    if not isinstance(value, str):
        raise Invalid(_("'%(name)s' must be a string.", name=name), code="invalid_field")
    if max_length is not None and len(value) > max_length:
        raise Invalid(_("'%(name)s' is longer than %(max)s characters.", name=name,
                        max=max_length), code="invalid_field")
    return value


def get_str_list(data: dict, name: str) -> list[str] | None:
    """A list-of-strings field of a JSON body."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(_("'%(name)s' must be a list of strings.", name=name),
                      code="invalid_field")
    return value


def limit_arg() -> int:
    """``?limit=`` bounded to 1..100 (larger values are capped, not refused)."""
    raw = request.args.get("limit", "")
    if not raw:
        return DEFAULT_LIMIT
    # ASCII digits only: "²" and "١٢" are digits to str.isdigit but not to int().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise Invalid(_("'limit' must be a number from 1 to 100."), code="invalid_limit")
    return max(1, min(MAX_LIMIT, int(raw)))


def encode_cursor(*values: Any) -> str:
    """An opaque cursor for keyset pagination."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _cursor_value_ok(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return _INT_MIN <= value <= _INT_MAX  # what a database column can compare with
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= MAX_CURSOR_TEXT and not bad_text(value)
    return False


def decode_cursor(cursor: str | None, arity: int) -> list | None:
    """The values of a cursor from :func:`encode_cursor`, or Invalid."""
    if not cursor:
        return None
    invalid = Invalid(_("That cursor is not valid."), code="invalid_cursor")
    if len(cursor) > 4 * MAX_CURSOR_TEXT:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise invalid from None
    if not isinstance(values, list) or len(values) != arity or not all(
        _cursor_value_ok(v) for v in values
    ):
        raise invalid
    return values


def page(items: list, next_cursor: str | None):
    """The list shape of API.md."""
    return jsonify({"items": items, "next": next_cursor})


def doc(summary: str, *, body_schema: dict | None = None, query: dict | None = None,
        responses: dict | None = None, public: bool = False) -> Callable:
    """Describe a route for /openapi.json (``public``: no token needed)."""

    def decorate(view: Callable) -> Callable:
        view.__openapi__ = {"summary": summary, "body": body_schema, "query": query or {},
                            "responses": responses or {}, "public": public}
        return view

    return decorate


def openapi_spec(app: Flask) -> dict:
    """OpenAPI 3 built from the documented API routes of ``app``."""
    paths: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        info = getattr(view, "__openapi__", None)
        if info is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in rule.arguments
        ] + [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"},
             "description": text}
            for name, text in info["query"].items()
        ]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "summary": info["summary"],
                "operationId": f"{rule.endpoint}_{method.lower()}",
                "parameters": parameters,
                "responses": {
                    "200": {"description": "OK"},
                    **{str(k): {"description": v} for k, v in info["responses"].items()},
                    "401": {"description": "no or bad token"},
                    "default": {"description": "an error",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }
            if info["body"] and method in ("POST", "PUT", "PATCH", "DELETE"):
                operation["requestBody"] = {"content": {"application/json": {
                    "schema": {"type": "object", "properties": info["body"]}}}}
            if info.get("public"):
                operation["security"] = []
                del operation["responses"]["401"]
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Schwarm API", "version": "1"},
        "servers": [{"url": PREFIX}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {
                "type": "object", "properties": {"code": {"type": "string"},
                                                 "message": {"type": "string"}}}}}},
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }


core = blueprint("api", __name__)


@core.get("/openapi.json")
@doc("This description (no authentication needed)", public=True)
def openapi():
    return jsonify(openapi_spec(current_app))


def register(app: Flask, *blueprints: Blueprint) -> None:
    """Mount the API blueprints."""
    app.register_blueprint(core)
    for bp in blueprints:
        app.register_blueprint(bp)
