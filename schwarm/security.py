"""Request hygiene and response headers applied to every request.

* NUL bytes and invalid UTF-8 in the path, query string, form or JSON body are
  refused with 400 before any view runs (so are lone surrogates, integers no
  database column can hold and absurdly deep JSON).
* Responses carry a Content-Security-Policy without inline script,
  ``nosniff``, ``frame-ancestors 'none'``; personal pages are private.
* Cookies get ``Secure`` whenever the request came over https.
* :func:`safe_next` keeps redirects on this site.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from flask import Flask, Response, abort, g, request, session
from flask_babel import gettext as _
from flask_login import current_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# What any database column can hold; larger JSON integers are refused, not a 500.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
MAX_JSON_DEPTH = 64


def _bad_bytes(raw: bytes) -> bool:
    """True when ``raw`` (percent-decoded) holds a NUL or is not UTF-8."""
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _bad_urlencoded(data: bytes) -> bool:
    for pair in data.split(b"&"):
        for part in pair.split(b"=", 1):
            if _bad_bytes(unquote_to_bytes(part.replace(b"+", b" "))):
                return True
    return False


def bad_text(text: str) -> bool:
    """NUL or a lone surrogate (which no database and no encoder accepts)."""
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def _bad_json_value(value: object) -> str | None:
    """Why a parsed JSON document cannot be stored, or None. Iterative: no recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return _("The request body is nested too deeply.")
        if isinstance(item, str):
            if bad_text(item):
                return _("The request body contains invalid characters.")
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not _INT_MIN <= item <= _INT_MAX:
                return _("A number in the request body is too large.")
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, depth + 1))
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return None


def _bad_path() -> bool:
    environ = request.environ
    # PATH_INFO is the percent-decoded path as latin-1 text (PEP 3333): its raw bytes.
    if _bad_bytes(environ.get("PATH_INFO", "").encode("latin-1", "replace")):
        return True
    # Servers that keep the request line (gunicorn, werkzeug) show what was really sent,
    # before any lossy decoding.
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw_uri:
        path = raw_uri.split("?", 1)[0].encode("latin-1", "replace")
        return _bad_bytes(unquote_to_bytes(path))
    return False


def check_request_encoding() -> None:
    """Refuse NUL bytes and invalid UTF-8 (400) before any view sees them."""
    if _bad_urlencoded(request.query_string) or _bad_path():
        abort(400, description=_("The address contains invalid characters."))
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        if _bad_urlencoded(request.get_data(cache=True)):
            abort(400, description=_("The form contains invalid characters."))
    elif mimetype == "multipart/form-data":
        values = [v for _key, v in request.form.items(multi=True)]
        if any(bad_text(v) for v in values):
            abort(400, description=_("The form contains invalid characters."))
    elif mimetype == "application/json" or request.path.startswith("/api/"):
        raw = request.get_data(cache=True)
        if not raw:
            return
        if _bad_bytes(raw):
            abort(400, description=_("The request body contains invalid characters."))
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError):
            abort(400, description=_("The request body is not valid JSON."))
        problem = _bad_json_value(document)
        if problem:
            abort(400, description=problem)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects).

    Refuses ``//host``, ``/\\host``, schemes, control characters and their
    percent-encoded forms (decoded twice, so double encoding is caught too).
    """
    if not target or len(target) > 2000:
        return None
    decoded = unquote(unquote(target))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in decoded) or "\\" in decoded:
        return None
    if not decoded.startswith("/") or decoded.startswith("//"):
        return None
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc:
        return None
    return target


def _personal() -> bool:
    """Does this response depend on who asks (signed in, or a session in use)?"""
    if request.endpoint == "static":
        return False
    # The session first: a page served from the page cache never loads the user.
    return session.accessed or bool(current_user and current_user.is_authenticated)


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff, no framing; personal pages are never cached by proxies."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if _personal():
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
        if "Authorization" in request.headers:
            response.vary.add("Authorization")
    return response


class SecureCookies:
    """WSGI middleware: over https, every cookie is ``Secure``.

    Sits outside Flask because the session cookie and Flask-Login's
    remember-me cookie are written after the last ``after_request`` hook, and
    both only know a fixed setting, while one deployment may be reached over
    http (development) and https (behind the proxy).
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            return start_response(status, [_secure(name, value) for name, value in headers],
                                  exc_info)

        return self.wsgi_app(environ, secure_start_response)


def _secure(name: str, value: str) -> tuple[str, str]:
    if name.lower() == "set-cookie":
        attributes = {part.strip().lower() for part in value.split(";")[1:]}
        if "secure" not in attributes:
            value += "; Secure"
    return name, value


def fresh_request_state(*_args) -> None:
    """Forget per-request state kept in ``g`` (signed-in user, memberships, locale).

    A request normally gets a fresh ``g``; but when an application context is
    already active (tests, CLI code calling the app), Flask reuses it and its
    ``g`` for every request, so one request's user or language would leak into
    the next. Clearing at both ends keeps each request on its own.
    """
    for key in list(g):
        g.pop(key, None)


def init_app(app: Flask) -> None:
    """Install the request checks (before every other hook) and response headers."""
    # First of all before-request hooks: the login wall, CSRF and the rate limiter
    # must not see (or echo into a redirect) a request that is going to be refused.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, check_request_encoding)
    hooks.insert(0, fresh_request_state)
    app.teardown_request(fresh_request_state)
    if not isinstance(app.wsgi_app, SecureCookies):
        app.wsgi_app = SecureCookies(app.wsgi_app)
    app.after_request(add_security_headers)
