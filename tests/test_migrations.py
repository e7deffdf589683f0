"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from schwarm import create_app, database_uri
from schwarm.extensions import db
from tests.conftest import POSTGRES_URL


@pytest.fixture
def migration_database(tmp_path):
    """A URI of an empty database for migrations to fill."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    server = database_uri(POSTGRES_URL, tmp_path)
    # beside the test database, so that parallel workers each have their own
    name = POSTGRES_URL.partition("?")[0].rsplit("/", 1)[1] + "_migration_check"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_creates_the_schema_of_the_models(tmp_path, migration_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": migration_database})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent(tmp_path, migration_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": migration_database})
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory)
        upgrade(directory=directory)
        db.engine.dispose()


def test_upgrade_of_a_database_with_content_keeps_it(tmp_path, migration_database):
    """An instance made before the feature branches of session 2 (at 0005) upgrades
    with its users, groups and posts in place (SQLite: foreign keys are on)."""
    from schwarm.accounts.services import create_user
    from schwarm.groups.services import create_group
    from stream.posts import create_post

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": migration_database,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0005_merge_features")
        with db.engine.begin() as connection:  # rows as the code of that time wrote them
            connection.execute(text(
                "INSERT INTO \"user\" (username, email, display_name, password_hash, title,"
                " department, language, timezone, is_admin, active, created_at)"
                " VALUES ('anna', 'anna@example.com', 'Anna', 'x', '', '', '', 'UTC',"
                " false, true, '2026-01-01 00:00:00')"))
            connection.execute(text(  # a row that refers to the user
                "INSERT INTO user_expertise (user_id, tag) SELECT id, 'vpn' FROM \"user\""))
        upgrade(directory=directory, revision="heads")
        anna = db.session.scalar(db.select(db.metadata.tables["user"].c.username))
        assert anna == "anna"
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        ben = create_user("ben", "ben@example.com", "a-long-password-1", "Ben")
        group = create_group(ben, "town", "Town", "", "public")
        assert create_post(ben, "still works", group=group).id
        db.session.remove()
        db.engine.dispose()
