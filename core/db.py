"""Engine and request-scoped session, built inside the app factory.

Services take a ``Session`` argument; views get theirs from :func:`session`, which lives for
one request and is closed at teardown. SQLite is tuned for many gunicorn workers writing:
WAL, a busy timeout, foreign keys on, and write transactions that take the lock up front.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """What ``create_app`` keeps in ``app.extensions['db']``."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sessionmaker: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        _tune_sqlite(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    if "poolclass" not in options:
        options.setdefault("pool_size", 5)
        options.setdefault("max_overflow", 10)
    return create_engine(url, **options)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Take transaction control from the driver so BEGIN is ours to emit (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged rating survives a power cut, not just a crashed worker.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A deferred transaction that reads and then writes can fail at once with
        # SQLITE_BUSY when another worker wrote in between; IMMEDIATE waits its turn.
        if connection.get_execution_options().get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> Database:
    database = Database(make_engine(app.config["DATABASE_URL"]))
    app.extensions["db"] = database
    app.teardown_appcontext(_close_session)
    return database


def session() -> Session:
    """The session of the current request (or CLI command), created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].sessionmaker()
    return g.db_session


def begin_write(db_session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite)."""
    if not db_session.in_transaction():
        db_session.connection(execution_options={"sqlite_immediate": True})


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
