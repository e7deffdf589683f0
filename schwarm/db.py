"""Database foundations: the declarative base with a constraint naming
convention, a UTC datetime type, SQLite tuning and the write transaction.

SQLite is tuned for many readers and queued writers: WAL, a busy timeout,
and ``BEGIN IMMEDIATE`` for write transactions so that two writers queue on
the lock instead of one failing when it upgrades a read transaction.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraints get predictable names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC. Tests may patch ``schwarm.db.clock``."""
    return clock()


def _system_clock() -> datetime:
    return datetime.now(UTC)


clock = _system_clock


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use schwarm.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("immediate", default=False)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, busy timeout, foreign keys, and explicit BEGIN [IMMEDIATE]."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself so a write can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


_in_write: contextvars.ContextVar[bool] = contextvars.ContextVar("in_write", default=False)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one write transaction: commit at the end, roll back on error.

    Service functions own their transaction through this. Any read transaction
    the request opened is ended first, so on SQLite the write starts with
    ``BEGIN IMMEDIATE`` and waits for the lock instead of failing on upgrade.
    Nested use joins the outer transaction, so composed services stay atomic.
    """
    from schwarm.extensions import db

    if _in_write.get():
        yield
        return
    session = db.session()
    if session.in_transaction():
        session.commit()
    token = _immediate.set(True)
    try:
        session.connection()  # starts the transaction now, with the flag set
    except BaseException:
        session.rollback()
        raise
    finally:
        _immediate.reset(token)
    outer = _in_write.set(True)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _in_write.reset(outer)
    from schwarm import hooks

    hooks.after_commit()
