"""Error pages in the site design, JSON errors under /api/, and flash messages."""

from __future__ import annotations

import pytest
from flask import abort

from schwarm.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from tests.conftest import make_app
from tests.schwarm.helpers import flashes, page


def _in_design(response) -> None:
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert '<main id="main"' in html
    assert 'class="skip"' in html
    assert "style.css" in html
    assert 'class="card error-page"' in html


def test_404_page_for_visitors_and_members(client, auth, users):
    users.make("anna")
    anonymous = client.get("/no/such/page")
    assert anonymous.status_code == 404
    _in_design(anonymous)
    assert "There is nothing here." in anonymous.get_data(as_text=True)
    auth.login("anna")
    signed_in = client.get("/u/nobody")
    assert signed_in.status_code == 404
    _in_design(signed_in)
    assert b"Groups" in signed_in.data  # with the navigation


def test_405_page(client, auth, users):
    users.make("anna")
    auth.login("anna")
    response = client.get("/logout")
    assert response.status_code == 405
    _in_design(response)


@pytest.fixture
def raising_app(tmp_path):
    """An app with routes that fail in every way, registered before the first request."""
    app = make_app(tmp_path, PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("bug")

    def forbidden():
        raise Forbidden("Only the chosen ones.")

    def service(kind):
        raise {"invalid": Invalid("Bad input here."), "conflict": Conflict("Clash."),
               "missing": NotFound("Gone."), "large": TooLarge("Too big.")}[kind]

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/forbidden", "forbidden", forbidden)
    app.add_url_rule("/abort403", "abort403", lambda: abort(403))
    app.add_url_rule("/service/<kind>", "service", service)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    app.add_url_rule("/api/v1/service/<kind>", "api_service", service)
    with app.app_context():
        from schwarm.accounts import services

        services.create_user("anna", "anna@example.com", "correct horse battery")
        yield app
        from schwarm.extensions import db

        db.session.remove()
        db.engine.dispose()


def _signed_in_client(app):
    client = app.test_client()
    client.post("/login", data={"login": "anna", "password": "correct horse battery"})
    return client


def test_500_renders_the_error_page(raising_app):
    client = _signed_in_client(raising_app)
    response = client.get("/boom")
    assert response.status_code == 500
    _in_design(response)
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "bug" not in response.get_data(as_text=True)  # no internals


def test_500_in_the_api_is_json(raising_app):
    response = raising_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"


def test_500_page_even_when_the_template_fails(raising_app, monkeypatch):
    import schwarm.errors

    def broken(*args, **kwargs):
        raise RuntimeError("template broke too")

    monkeypatch.setattr(schwarm.errors, "render_template", broken)
    response = _signed_in_client(raising_app).get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data


def test_403_pages(raising_app):
    client = _signed_in_client(raising_app)
    response = client.get("/forbidden")
    assert response.status_code == 403
    _in_design(response)
    assert "Only the chosen ones." in response.get_data(as_text=True)
    response = client.get("/abort403")
    assert response.status_code == 403
    _in_design(response)
    assert "You are not allowed to do that." in response.get_data(as_text=True)


@pytest.mark.parametrize("kind,status,code", [
    ("invalid", 400, "invalid"), ("conflict", 409, "conflict"), ("missing", 404, "not_found"),
    ("large", 413, "too_large"),
])
def test_service_errors_become_pages_and_json(raising_app, kind, status, code):
    client = _signed_in_client(raising_app)
    response = client.get(f"/service/{kind}")
    assert response.status_code == status
    _in_design(response)
    response = raising_app.test_client().get(f"/api/v1/service/{kind}")
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_json_clients_get_json_errors(client, users):
    users.make("anna")
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_error_page_is_accessible(client, users):
    users.make("anna")
    parsed = page(client.get("/nothing"))
    assert len(parsed.find_all("h1")) == 1
    assert parsed.find_all("main")


def test_flash_messages_are_announced(client, auth, users):
    users.make("anna")
    auth.login("anna")
    response = client.post("/logout", follow_redirects=True)
    assert flashes(response) == ["You are signed out."]
    assert 'role="status"' in response.get_data(as_text=True)
    # Shown once.
    assert flashes(client.get("/login")) == []


def test_error_flash_is_marked_as_an_error(client, users):
    users.make("anna")
    response = client.post("/login", data={"login": "anna", "password": "wrong password"})
    html = response.get_data(as_text=True)
    assert 'class="flash flash-error"' in html
    assert 'role="alert"' in html


def test_health_check_is_public(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["checks"]["database"] == "ok"


def test_failing_health_check_is_503(client, app):
    def broken():
        raise RuntimeError("index gone")

    app.extensions.setdefault("schwarm.health", {})["test-index"] = broken
    try:
        response = client.get("/healthz")
    finally:
        del app.extensions["schwarm.health"]["test-index"]
    assert response.status_code == 503
    assert response.get_json()["checks"]["test-index"] == "error"
