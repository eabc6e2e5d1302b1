"""Throwaway databases. SQLite: a file in a temp folder. PostgreSQL: a database created on
the server named by TEST_DATABASE_URL and dropped afterwards, so runs never collide."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

from core.settings import normalise_database_url
from harness import servers


def server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


def temporary_database(folder: Path, migrate: bool = True) -> AbstractContextManager[str]:
    """A new, empty database (migrated to head unless ``migrate=False``); yields its URL."""
    return servers.temporary_database(folder, server_url(), prefix="test", migrate=migrate)


__all__ = ["server_url", "temporary_database"]
