"""`schwarm backup`: a consistent database copy plus an index snapshot that a restored
instance can serve from at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from schwarm.backup import backup_command, backup_sqlite, snapshot_index
from schwarm.extensions import db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.usefixtures("app")


def _run(app, runner, target: Path):
    app.cli.add_command(backup_command)
    return runner.invoke(args=["backup", str(target)])


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite backup; PostgreSQL variant below")
def test_backup_is_a_restorable_instance(app, runner, users, api, tmp_path):
    anna = users.make("anna")
    created = api.as_user(anna).post("/posts", json={"body": "Backups matter #backup"})
    assert created.status_code == 201
    result = _run(app, runner, tmp_path / "backups")
    assert result.exit_code == 0, result.output
    [folder] = (tmp_path / "backups").iterdir()
    assert (folder / "schwarm.db").exists() and (folder / "index").is_dir()
    with sqlite3.connect(folder / "schwarm.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT username FROM user").fetchall() == [("anna",)]

    # Restore: the files go into a fresh instance folder, which serves and finds the post.
    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / "schwarm.db").write_bytes((folder / "schwarm.db").read_bytes())
    snapshot_index(folder / "index", restored / "index")
    from schwarm import create_app

    again = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(restored),
                        "SEARCH_INDEX_DIR": str(restored / "index"),
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{restored / 'schwarm.db'}"})
    with again.app_context():
        import search
        from schwarm.accounts.services import get_user

        found = search.search(get_user("anna"), "backups")
        assert [item["id"] for item in found.items] == [str(created.get_json()["id"])]
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only")
def test_backup_on_postgresql_points_to_pg_dump(app, runner, tmp_path):
    result = _run(app, runner, tmp_path / "backups")
    assert result.exit_code == 0, result.output
    assert "pg_dump" in result.output


def test_sqlite_backup_is_consistent_while_another_connection_writes(tmp_path):
    source = tmp_path / "live.db"
    with sqlite3.connect(source) as live:
        live.execute("PRAGMA journal_mode=WAL")
        live.execute("CREATE TABLE t (n INTEGER)")
        live.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5000)])
    writer = sqlite3.connect(source)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (-1)")  # not committed: not in the copy
    try:
        backup_sqlite(source, tmp_path / "copy.db")
    finally:
        writer.rollback()
        writer.close()
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("SELECT count(*), min(n) FROM t").fetchone() == (5000, 0)


def test_snapshot_without_index_says_so(tmp_path):
    assert snapshot_index(tmp_path / "missing", tmp_path / "out") is False

