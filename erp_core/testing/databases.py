"""Throwaway databases for the tests, the benchmark and the fuzzer: an SQLite file in a folder, or a
database of its own on a PostgreSQL server (the user of the server's URL must be allowed to create
databases), dropped afterwards."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


@contextmanager
def pg_admin(server_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the database of ``server_url``, for CREATE and DROP DATABASE."""
    url = make_url(server_url)
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                         dbname=url.database, autocommit=True) as conn:
        yield conn


def create_pg_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (a copy of ``template`` if given) and return its URL."""
    with pg_admin(server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_databases(server_url: str, names: list[str]) -> None:
    with pg_admin(server_url) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(backend: str, folder: Path, server_url: str | None, prefix: str) -> Iterator[str]:
    """The URL of a new empty database: ``folder/<prefix>.sqlite3``, or ``<prefix>_<random>`` on the
    PostgreSQL server of ``server_url``, dropped when the block ends."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{prefix}.sqlite3'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    url = create_pg_database(server_url, name)
    try:
        yield url
    finally:
        drop_pg_databases(server_url, [name])
