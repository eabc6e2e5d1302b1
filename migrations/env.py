"""Alembic environment: the models' metadata, the app's DATABASE_URL, batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

# Every area's tables on the one Base: the models modules that exist, each imported plainly
# (a missing one is an error, not a silently smaller schema).
import analytics.alerts_models  # noqa: F401
import analytics.models  # noqa: F401
import core.models  # noqa: F401
import kiosk.models  # noqa: F401
import survey.models  # noqa: F401
from core.db import make_engine
from core.models import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from core import create_app

    return create_app().config["DATABASE_URL"]


def render_item(type_, obj, autogen_context):
    """Migrations must not import application code: UTC datetimes are plain DateTime(tz)."""
    from core.models import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_with(connection)
        connection.commit()
    engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
