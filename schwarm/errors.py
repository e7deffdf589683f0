"""Errors: the service exceptions and the pages / JSON they become.

Services raise :class:`ServiceError` subclasses with a human message; views
show the message in the form, the API turns it into
``{"error": {"code", "message"}}`` with the matching status.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ServiceError(Exception):
    """A refused operation: nothing was written."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra


class Invalid(ServiceError):
    status, code = 400, "invalid"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class TooLarge(ServiceError):
    status, code = 413, "too_large"


# The last resort when even the error template cannot be rendered.
FALLBACK_500 = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>500 · Schwarm"
    "</title></head><body><main><h1>500</h1><p>Something went wrong on our side. "
    "It has been logged.</p><p><a href=\"/\">Schwarm</a></p></main></body></html>"
)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
}


def wants_json() -> bool:
    """API paths and JSON clients get JSON errors."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def json_error(status: int, message: str, code: str | None = None, **extra):
    """The API's error shape."""
    body = {"error": {"code": code or HTTP_CODES.get(status, "error"), "message": message}}
    body.update(extra)
    return jsonify(body), status


def _messages(status: int) -> str:
    from flask_babel import gettext as _

    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You are not allowed to do that."),
        404: _("There is nothing here."),
        405: _("That action is not possible here."),
        413: _("That is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. It has been logged."),
    }.get(status, _("Something went wrong."))


def init_app(app: Flask) -> None:
    """Error pages in the site design; JSON errors under /api/."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        # Only a 400 says what exactly was wrong (CSRF, encoding); the rest use our words.
        description = error.description if status == 400 else None
        if wants_json():
            if status == 429:
                return json_error(429, _messages(429), "rate_limited")
            message = description if description and status == 400 else _messages(status)
            return json_error(status, str(message))
        message = description or _messages(status)
        template = "errors/error.html"
        response = render_template(template, status=status, message=message)
        return response, status

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        if wants_json():
            return json_error(error.status, error.message, error.code, **error.extra)
        return render_template("errors/error.html", status=error.status,
                               message=error.message), error.status

    @app.errorhandler(500)
    def server_error(error):
        if wants_json():
            return json_error(500, _messages(500))
        try:
            return render_template("errors/error.html", status=500, message=_messages(500)), 500
        except Exception:  # the page itself failed (database down?): still answer
            app.logger.exception("rendering the error page failed")
            return FALLBACK_500, 500, {"Content-Type": "text/html; charset=utf-8"}
