"""The ``schwarm`` command: init, create-admin, create-user (tokens: test_tokens.py)."""

from __future__ import annotations

import os
import stat
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from schwarm import create_app
from schwarm.accounts import services
from schwarm.extensions import db
from tests.conftest import PASSWORD


def test_create_admin_non_interactive(app, client):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--username", "Root", "--email", "root@example.com",
        "--password", "a long password", "--display-name", "The Root"])
    assert result.exit_code == 0, result.output
    assert "Created admin root" in result.output
    root = services.get_user("root")
    assert root.is_admin and root.display_name == "The Root"
    response = client.post("/login", data={"login": "root@example.com",
                                           "password": "a long password"})
    assert response.status_code == 302


def test_create_user_non_interactive(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--username", "anna", "--email", "anna@example.com",
        "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    anna = services.get_user("anna")
    assert not anna.is_admin
    assert anna.display_name == "anna"


@pytest.mark.parametrize("args,message", [
    (["--username", "anna", "--email", "anna@example.com", "--password", "short"],
     "at least 8"),
    (["--username", "a b", "--email", "anna@example.com", "--password", PASSWORD],
     "Usernames"),
    (["--username", "anna", "--email", "nope", "--password", PASSWORD], "e-mail"),
])
def test_create_user_reports_bad_input(app, args, message):
    result = app.test_cli_runner().invoke(args=["create-user", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert services.get_user("anna") is None


def test_create_user_twice_is_refused(app, users):
    users.make("anna")
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--username", "ANNA", "--email", "x@example.com", "--password", PASSWORD])
    assert result.exit_code == 1
    assert "already taken" in result.output


def test_missing_options_without_a_terminal_are_a_usage_error(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "root"])
    assert result.exit_code == 2
    assert "--email" in result.output
    assert services.get_user("root") is None


def test_missing_options_are_prompted_in_a_terminal(app, monkeypatch):
    import schwarm.cli

    monkeypatch.setattr(schwarm.cli, "sys", SimpleNamespace(
        stdin=SimpleNamespace(isatty=lambda: True)))
    result = app.test_cli_runner().invoke(
        args=["create-admin"],
        input="root\nroot@example.com\na long password\na long password\n")
    assert result.exit_code == 0, result.output
    assert services.get_user("root").is_admin


# --- init ------------------------------------------------------------------------------------

def _fresh_app(tmp_path):
    instance = tmp_path / "instance"
    uri = f"sqlite:///{tmp_path / 'fresh.db'}"
    return create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                       "SQLALCHEMY_DATABASE_URI": uri,
                       "SEARCH_INDEX_DIR": str(instance / "index")}), instance, uri


def test_init_creates_instance_key_and_schema_and_is_idempotent(tmp_path):
    app, instance, uri = _fresh_app(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "Instance ready" in first.output
    key_file = instance / "secret_key"
    key = key_file.read_text()
    assert len(key.strip()) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert (instance / "config.py").exists()
    engine = create_engine(uri)
    tables = set(inspect(engine).get_table_names())
    assert {"user", "group", "membership", "api_token", "login_session", "invite",
            "activity", "notification", "alembic_version"} <= tables
    # Running it again changes nothing and fails on nothing.
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert key_file.read_text() == key
    assert set(inspect(engine).get_table_names()) == tables
    engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_init_then_accounts_through_the_console_script(tmp_path, monkeypatch):
    """The installed ``schwarm`` entry point, driven by environment like a script would."""
    from schwarm.cli import cli

    instance = tmp_path / "inst"
    env = {"SCHWARM_INSTANCE": str(instance), "DATABASE_URL": "", "SECRET_KEY": "",
           "FLASK_APP": ""}
    runner = CliRunner()
    result = runner.invoke(cli, ["init"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (instance / "schwarm.db").exists()
    result = runner.invoke(cli, ["create-admin", "--username", "root", "--email",
                                 "root@example.com", "--password", PASSWORD], env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["token", "create", "root"], env=env)
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    # A new process (a new app) reads the same key and database: the token works.
    monkeypatch.setenv("SCHWARM_INSTANCE", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SECRET_KEY"] == (instance / "secret_key").read_text().strip()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["is_admin"] is True
    with app.app_context():
        db.engine.dispose()
