"""Throwaway databases. SQLite: a file in a temp folder. PostgreSQL: a database created on
the server named by TEST_DATABASE_URL and dropped afterwards, so runs never collide."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.migrate import upgrade
from core.settings import normalise_database_url


def server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


@contextmanager
def temporary_database(folder: Path, migrate: bool = True) -> Iterator[str]:
    """A new, empty database (migrated to head unless ``migrate=False``); yields its URL."""
    base = server_url()
    if base is None:
        url = f"sqlite:///{folder / f'suara-{secrets.token_hex(4)}.db'}"
        if migrate:
            upgrade(url)
        yield url
        return
    name = f"suara_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            ), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
