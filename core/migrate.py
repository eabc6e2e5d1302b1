"""Alembic, driven from Python: ``flask db upgrade`` and the tests use the same code."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from core.settings import ROOT


def alembic_config(database_url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database_url: str | None = None, connection: Connection | None = None,
            revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, connection), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
