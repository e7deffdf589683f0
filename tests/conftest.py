"""Fixtures: a fresh app and database per test (SQLite file, or PostgreSQL when
DATABASE_URL is set), a test client that adds CSRF tokens itself, ``auth``,
``users`` and ``api`` helpers, and a SQL statement counter."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, text

from schwarm import create_app, database_uri
from schwarm.extensions import db, limiter


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database,
    ``<name>_<worker>``, made empty here: the per-test reset truncates every
    table, which would pull the floor from under another worker's test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url.startswith(("postgres://", "postgresql://")) or not worker:
        return url
    base, _sep, query = url.partition("?")
    server, name = base.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = create_engine(database_uri(url, Path(".")), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{own}"'))
    finally:
        admin.dispose()
    own_url = f"{server}/{own}" + (f"?{query}" if query else "")
    # for the subprocesses that tests start (indexer, mail gateway)
    os.environ["DATABASE_URL"] = own_url
    return own_url


POSTGRES_URL = _database_of_this_worker(os.environ.get("DATABASE_URL", ""))
_pg_schema_ready = False
PASSWORD = "correct horse battery"


class CSRFClient(FlaskClient):
    """A test client that puts a valid CSRF token into every form it posts."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = hashlib.sha1(os.urandom(64)).hexdigest()
                session["csrf_token"] = raw
        secret = self.application.config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        data = kwargs.get("data")
        if method in ("POST", "PUT", "PATCH", "DELETE") and "json" not in kwargs and kwargs.pop(
            "csrf", True
        ):
            if data is None:
                data = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        kwargs.pop("csrf", None)
        return super().open(*args, **kwargs)


def _reset_postgres() -> None:
    global _pg_schema_ready
    if not _pg_schema_ready:
        db.drop_all()
        db.create_all()
        _pg_schema_ready = True
        return
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def make_app(tmp_path, **overrides):
    """A Schwarm app on a fresh database in ``tmp_path``."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
        # A request's write is indexed before the response (tests of the
        # background drainer and the browser journeys turn this back on).
        "SEARCH_DRAIN_IN_BACKGROUND": False,
    }
    if POSTGRES_URL:
        config["SQLALCHEMY_DATABASE_URI"] = database_uri(POSTGRES_URL, tmp_path)
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'schwarm.db'}"
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = CSRFClient
    with app.app_context():
        if POSTGRES_URL:
            _reset_postgres()
        else:
            db.create_all()
        for hook in app.extensions.get("schwarm.init_hooks", []):
            hook()
        if app.config.get("RATELIMIT_ENABLED", True):
            limiter.reset()
    return app


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(tmp_path, app_config):
    app = make_app(tmp_path, **app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Users:
    """Creates accounts for tests: ``users.make("anna")``."""

    def __init__(self, app):
        self.app = app

    def make(self, username: str, *, admin: bool = False, display_name: str = "",
             expertise: list[str] | None = None, email: str | None = None):
        from schwarm.accounts import services

        user = services.create_user(username, email or f"{username}@example.com", PASSWORD,
                                    display_name or username.title(), is_admin=admin)
        if expertise:
            user = services.update_profile(user, services.ProfileChange(expertise=expertise))
        return user


@pytest.fixture
def users(app) -> Users:
    return Users(app)


class Auth:
    """Sign in and out through the real pages."""

    def __init__(self, client: CSRFClient):
        self.client = client

    def login(self, username: str, password: str = PASSWORD, **extra):
        return self.client.post("/login", data={"login": username, "password": password, **extra})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


class Api:
    """JSON API calls with a bearer token: ``api.as_user(anna).get("/me")``."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self.token: str | None = None

    def as_user(self, user) -> Api:
        from schwarm.accounts.services import create_token

        _, self.token = create_token(user, "test")
        return self

    def _headers(self, headers=None):
        out = dict(headers or {})
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        return out

    def get(self, path, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)),
                               **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post("/api/v1" + path, json=json,
                                headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.client.put("/api/v1" + path, json=json,
                               headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.client.patch("/api/v1" + path, json=json,
                                 headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def delete(self, path, json=None, **kwargs):
        return self.client.delete("/api/v1" + path, json=json,
                                  headers=self._headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def api(app, client) -> Api:
    return Api(app, client)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements: ...`` collects the SQL run inside."""

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK",
                                                          "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter
