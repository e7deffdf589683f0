"""``schwarm backup``: a consistent copy of the database and a snapshot of the index.

SQLite is copied with its online backup API in one step, i.e. inside one read
transaction: in WAL mode that is a consistent image while the app keeps
running (readers and writers are not stopped).

The search index is derived data; a snapshot is taken so that a restore is
searchable at once (rebuilding a million documents takes long), but
``schwarm reindex`` can always rebuild it from the restored database. Both
copies are made while holding the index writer lock: nothing is applied to the
index meanwhile, so every change the snapshot lacks is still an outbox row in
the copied database and is replayed when the restored instance starts.

Restore: stop the app, put ``schwarm.db`` (and ``index/``) into the instance
folder (remove any old ``schwarm.db-wal``/``-shm``), start it again.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from schwarm.extensions import db


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently (online backup API)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            # All pages in one step = one read transaction = one consistent image; in
            # steps, every write by the app would restart the copy.
            src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()


def snapshot_index(index_dir: Path, target: Path) -> bool:
    """Copy the index directory; False when there is none (it can be rebuilt)."""
    if not index_dir.exists():
        return False
    shutil.copytree(index_dir, target, ignore=shutil.ignore_patterns("*.lock", "*LOCK*"))
    return True


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path):
    """Write a consistent backup of the database and the index into DIRECTORY/<time>/."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"schwarm-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    with _index_quiet(wait=600) as held:
        if not held:
            raise click.ClickException("The search index writer is busy; try again.")
        for line in write_backup(target):
            click.echo(line)
    click.echo(f"Backup written to {target}")


def write_backup(target: Path) -> list[str]:
    """Copy the database (SQLite) and the index into ``target``; lines to report."""
    lines = []
    engine = db.engine
    if engine.dialect.name == "sqlite":
        backup_sqlite(Path(engine.url.database), target / "schwarm.db")
        lines.append(f"database: {target / 'schwarm.db'}")
    else:
        lines.append("database: PostgreSQL — back it up with pg_dump (see README).")
    index_dir = Path(current_app.config["SEARCH_INDEX_DIR"])
    if current_app.config.get("SEARCH_BACKEND", "whoosh") == "whoosh" and snapshot_index(
            index_dir, target / "index"):
        lines.append(f"index: {target / 'index'} (or rebuild with `schwarm reindex`)")
    return lines


@contextmanager
def _index_quiet(wait: float) -> Iterator[bool]:
    """Hold the search index's writer lock (the backup, like the app factory, knows
    the search package; imported here so that importing schwarm does not)."""
    from search.indexing import get_backend

    with get_backend().writer_lock(blocking=True, timeout=wait) as held:
        yield held
