"""The database handle, shared by the core and every addon."""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from flask import has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@contextmanager
def transaction():
    """One business action (an API request, a web action, a CLI command): committed when the
    block ends, rolled back as a whole when anything in it raises."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database; a larger one names nothing


def id_pattern(maximum: int) -> str:
    """A regular expression matching exactly the decimal numbers 1..``maximum`` (no leading zero)."""
    digits = str(maximum)
    options = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):  # same length as maximum: its first i digits, then a smaller one
        low = "1" if i == 0 else "0"
        if int(d) > int(low):
            options.append(digits[:i] + f"[{low}-{int(d) - 1}]" + rf"\d{{{len(digits) - i - 1}}}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"

# The errors of a transaction that lost a race: a unique row another transaction inserted first, a
# deadlock, a serialization failure, SQLite's busy database. Run again, the action sees the winner's
# committed work and answers what its rules say (or succeeds).
RACE_SQLSTATES = {"23505", "40P01", "40001", "55P03"}
RACE_SQLITE_MESSAGES = ("UNIQUE constraint failed", "database is locked")
ATTEMPTS = 3


def lost_a_race(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in RACE_SQLSTATES or (sqlstate is None and any(m in str(exc.orig) for m in RACE_SQLITE_MESSAGES))


def run_in_transaction(action, *args, **kwargs):
    """``action(*args, **kwargs)`` as one transaction, run again (up to ATTEMPTS times in all) when it
    lost a race to a concurrent transaction; the last loss answers 409 instead of a server error."""
    from .errors import InvalidState

    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction():
                return action(*args, **kwargs)
        except DBAPIError as exc:
            if not lost_a_race(exc):
                raise
            if attempt == ATTEMPTS:
                raise InvalidState("Other people changed the same records at the same moment, several times; nothing was "
                                   "changed. Try again.") from exc


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Autocommit at the driver level so that our 'begin' listener can issue BEGIN IMMEDIATE:
        # a writer takes the lock up front and waits (busy timeout) instead of failing later on a
        # read-to-write upgrade when two requests post at the same moment.
        return {"connect_args": {"timeout": 30, "isolation_level": None, "check_same_thread": False}}
    return {"pool_pre_ping": True}


@event.listens_for(Engine, "do_connect")
def _sqlite_file(dialect, _record, cargs, cparams):
    """An SQLite file is made by its first connection (building an app writes nothing): make the
    folder it goes in too (a new instance folder on the first `erp init`), and keep the file and its
    companions readable by their owner only (0600: the database holds password hashes). SQLite gives
    the journal, WAL and shared-memory files the database file's permissions."""
    if dialect.name == "sqlite" and cargs and not cparams.get("uri") and cargs[0] not in ("", ":memory:"):
        path = Path(cargs[0])
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        # 64 MB page cache instead of 2 MB: bulk stock moves touch index pages all over tables of
        # a million serials (receiving 10,000 with 1,000,000 stored went from 1.3 to 1.1 x empty).
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()


# Requests that only read. Anything that writes (POST, PUT, PATCH, DELETE; CLI commands and other
# work outside a request) takes SQLite's write lock when its transaction begins.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reading_request() -> bool:
    return has_request_context() and request.method in READING_METHODS


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    if conn.dialect.name == "sqlite":
        # A writer takes the lock up front and waits its turn (busy timeout) rather than failing on a
        # read-to-write upgrade. A reading request or connection (below) begins deferred: in WAL mode
        # it reads its snapshot while a writer writes. Its rare write (an API token's last use, once a
        # minute) upgrades it; losing that race is "database is locked", which run_in_transaction retries.
        reading = conn.get_execution_options().get("erp_reading") or reading_request()
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def count_rows(stmt, at_most: int | None = None) -> int:
    """How many rows the select ``stmt`` finds; with ``at_most``, counting stops one row past it (a
    list of a million rows need not be scanned to the end to say "more than")."""
    counted = stmt.order_by(None) if at_most is None else stmt.order_by(None).limit(at_most + 1)
    return db.session.scalar(select(func.count()).select_from(counted.subquery()))


@contextmanager
def reading_connection():
    """A connection of its own for one long read, such as a streamed export, outside the request's
    transaction. On SQLite its transaction is deferred, so writers do not wait for it while it
    streams (in WAL mode they write next to a reader); on PostgreSQL it is an ordinary transaction,
    which the server-side cursor of a streamed result needs."""
    with db.engine.connect() as connection:
        yield connection.execution_options(erp_reading=True)


def dialect_insert(table):
    """An INSERT that supports ``on_conflict_do_nothing`` on the current backend."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
