"""Personal API tokens: shown once, stored hashed, revocable, last use recorded."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select, text

import schwarm.db
from schwarm.accounts import services
from schwarm.accounts.models import ApiToken
from schwarm.extensions import db
from tests.schwarm.helpers import deactivate, flashes


def _create_in_settings(client, name="laptop", scope="api") -> str:
    response = client.post("/settings/tokens", data={"name": name, "scope": scope})
    assert response.status_code == 200
    found = re.search(r'id="token-secret">([^<]+)<', response.get_data(as_text=True))
    return found.group(1)


def _me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_token_is_shown_once_and_works(client, auth, users):
    users.make("anna")
    auth.login("anna")
    secret = _create_in_settings(client)
    assert secret.startswith("sw_") and len(secret) > 40
    settings = client.get("/settings").get_data(as_text=True)
    assert "laptop" in settings
    assert secret not in settings  # never shown again
    assert secret[:8] in settings  # but recognisable by its start
    auth.logout()
    response = _me(client, secret)
    assert response.status_code == 200
    assert response.get_json()["username"] == "anna"


def test_database_holds_no_plaintext(client, auth, users):
    users.make("anna")
    auth.login("anna")
    secret = _create_in_settings(client)
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    # No column of any row holds the secret (or its tail).
    dump = db.session.execute(text("SELECT * FROM api_token")).all()
    flat = " ".join(str(value) for record in dump for value in record)
    assert secret not in flat
    assert secret[8:] not in flat


def test_revoked_token_stops_working(client, auth, users):
    users.make("anna")
    auth.login("anna")
    secret = _create_in_settings(client)
    token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/settings/tokens/{token_id}/revoke")
    assert "The token is revoked." in flashes(client.get(response.location))
    assert "laptop" not in client.get("/settings").get_data(as_text=True)
    auth.logout()
    response = _me(client, secret)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_cannot_revoke_someone_elses_token(client, auth, users):
    anna = users.make("anna")
    users.make("mallory")
    token, secret = services.create_token(anna, "anna's")
    auth.login("mallory")
    response = client.post(f"/settings/tokens/{token.id}/revoke")
    assert "No such token." in flashes(client.get(response.location))
    client2 = client.application.test_client()
    assert _me(client2, secret).status_code == 200


def test_last_used_time_is_recorded(client, users, monkeypatch):
    anna = users.make("anna")
    token, secret = services.create_token(anna, "script")
    assert token.last_used_at is None
    start = schwarm.db.utcnow()
    monkeypatch.setattr(schwarm.db, "clock", lambda: start)
    assert _me(client, secret).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == start.replace(microsecond=(
        start.microsecond))
    # Within a minute, reads do not turn into writes ...
    monkeypatch.setattr(schwarm.db, "clock", lambda: start + timedelta(seconds=30))
    _me(client, secret)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == start
    # ... later they record the new time.
    later = start + timedelta(minutes=5)
    monkeypatch.setattr(schwarm.db, "clock", lambda: later)
    _me(client, secret)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == later


def test_settings_list_shows_last_use(client, auth, users):
    anna = users.make("anna")
    _, secret = services.create_token(anna, "script")
    auth.login("anna")
    assert "never" in client.get("/settings").get_data(as_text=True)
    _me(client.application.test_client(), secret)
    assert "never" not in client.get("/settings").get_data(as_text=True)


def test_deactivation_revokes_tokens_for_good(client, users, admin):
    anna = users.make("anna")
    _, api_secret = services.create_token(anna, "script")
    _, feed_secret = services.create_token(anna, "reader", "feed")
    assert _me(client, api_secret).status_code == 200
    deactivate(admin, anna)
    assert _me(client, api_secret).status_code == 401
    from schwarm.accounts.auth import user_for_token

    assert user_for_token(feed_secret, "feed") is None
    services.reactivate(admin, anna)
    assert _me(client, api_secret).status_code == 401  # revoked, not just suspended
    assert user_for_token(feed_secret, "feed") is None


def test_feed_tokens_do_not_open_the_api(client, users):
    from schwarm.accounts.auth import user_for_token

    anna = users.make("anna")
    _, feed_secret = services.create_token(anna, "reader", "feed")
    assert feed_secret.startswith("swf_")
    assert _me(client, feed_secret).status_code == 401
    assert user_for_token(feed_secret, "feed").id == anna.id
    _, api_secret = services.create_token(anna, "script")
    assert user_for_token(api_secret, "feed") is None


def test_token_form_validation(client, auth, users):
    users.make("anna")
    auth.login("anna")
    for data in ({"name": "", "scope": "api"}, {"name": "x", "scope": "root"},
                 {"name": "x" * 81, "scope": "api"}):
        response = client.post("/settings/tokens", data=data)
        assert response.status_code == 302
    assert db.session.scalar(select(ApiToken.id)) is None


def test_bad_tokens_are_401(client, users):
    anna = users.make("anna")
    _, secret = services.create_token(anna, "script")
    for header in (f"Bearer {secret}x", "Bearer ", f"Basic {secret}", f"bearer  {secret[:-1]}",
                   "Bearer " + "x" * 5000, secret):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert set(response.get_json()["error"]) == {"code", "message"}
    assert client.get("/api/v1/me", headers={
        "Authorization": f"BEARER {secret}"}).status_code == 200


def test_cli_token_create_prints_the_token_last(app, users):
    users.make("anna")
    result = app.test_cli_runner().invoke(args=["token", "create", "anna", "--name", "ci"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("sw_") and " " not in secret
    client = app.test_client()
    assert _me(client, secret).get_json()["username"] == "anna"
    assert db.session.scalar(select(ApiToken.name)) == "ci"


def test_cli_token_create_refuses_unknown_and_deactivated(app, users, admin):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["token", "create", "nobody"])
    assert result.exit_code != 0
    assert "nobody" in result.output
    lars = users.make("lars")
    deactivate(admin, lars)
    result = runner.invoke(args=["token", "create", "lars"])
    assert result.exit_code != 0
    assert db.session.scalar(select(ApiToken.id)) is None
