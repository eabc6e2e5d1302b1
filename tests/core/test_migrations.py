"""The schema comes from one linear Alembic history that agrees with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from core.db import make_engine
from core.migrate import alembic_config
from core.models import Base
from tests.support.databases import temporary_database


def test_the_migration_history_has_exactly_one_head():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1


def test_migrations_build_an_empty_database_that_matches_the_models(tmp_path):
    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, Base.metadata)
                tables = set(inspect(connection).get_table_names())
        finally:
            engine.dispose()
    assert differences == []
    assert {"rating", "officer", "shift", "qr_code", "comment", "kiosk_device"} <= tables


def test_migrations_downgrade_to_nothing_and_upgrade_again(tmp_path):
    from core.migrate import downgrade, upgrade

    with temporary_database(tmp_path) as url:
        downgrade(url, "base")
        upgrade(url)
        engine = make_engine(url)
        try:
            assert "rating" in inspect(engine).get_table_names()
        finally:
            engine.dispose()
