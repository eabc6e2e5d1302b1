"""The schema comes from one linear Alembic history that agrees with the models."""

from __future__ import annotations

import re

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


# PostgreSQL only, by migration 0007 (docs/deployment.md, "Partitions"): the rating table's
# monthly partitions and rating_key, which comments and custom answers refer to there.
PARTITIONING = re.compile(r"^rating_(\d{4}_\d{2}|default|key)$")


def _not_partitioning(name, type_, parent_names) -> bool:
    return not (type_ == "table" and PARTITIONING.match(name or ""))


def _rating_key_reference(difference) -> bool:
    kind, *rest = difference
    if kind not in ("add_fk", "remove_fk"):
        return False
    key = rest[0]
    return key.parent.name in ("comment", "custom_answer") and [
        element.column.table.name for element in key.elements] in (["rating"], ["rating_key"])


def test_migrations_build_an_empty_database_that_matches_the_models(tmp_path):
    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={
                    "compare_type": True, "include_name": _not_partitioning})
                differences = compare_metadata(context, Base.metadata)
                tables = set(inspect(connection).get_table_names())
                postgresql = connection.dialect.name == "postgresql"
        finally:
            engine.dispose()
    if postgresql:
        assert {"rating_key", "rating_default"} <= tables
        differences = [d for d in differences if not _rating_key_reference(d)]
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


def test_a_freshly_migrated_database_has_the_active_questionnaire_with_the_nine_elements(
    tmp_path,
):
    from sqlalchemy.orm import Session

    from survey.elements import ELEMENT_CODES
    from survey.services import active_questionnaire

    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                questionnaire = active_questionnaire(session)
                codes = [q.code for q in questionnaire.questions if q.standard]
                version = questionnaire.version
        finally:
            engine.dispose()
    assert version == 1
    assert codes == list(ELEMENT_CODES)


def test_seeding_keeps_a_questionnaire_made_before_revision_0014(tmp_path):
    """A deployment whose first page view made the questionnaire keeps it as it is."""
    from sqlalchemy import text

    from core.migrate import upgrade

    with temporary_database(tmp_path, migrate=False) as url:
        upgrade(url, revision="0013")
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO questionnaire (version, active, created_at) "
                    "VALUES (7, true, CURRENT_TIMESTAMP)"))
            upgrade(url)
            with engine.connect() as connection:
                versions = connection.execute(text("SELECT version FROM questionnaire")).all()
                questions = connection.execute(text("SELECT count(*) FROM question")).scalar()
        finally:
            engine.dispose()
    assert versions == [(7,)] and questions == 0
