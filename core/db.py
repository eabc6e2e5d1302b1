"""Engine and request-scoped session, built inside the app factory.

Services take a ``Session`` argument; views get theirs from :func:`session`, which lives for
one request and is closed at teardown. SQLite is tuned for many gunicorn workers writing:
WAL, a busy timeout, foreign keys on, and write transactions that take the lock up front.
"""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import (
    Connection,
    Engine,
    String,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """What ``create_app`` keeps in ``app.extensions['db']``."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sessionmaker: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def one_of(dialect: str, column, values: Iterable | None = None, *, key: str | None = None):
    """``column IN values`` with all the values in one bound parameter (PostgreSQL: an
    array, ``= ANY(…)``; SQLite: a JSON list read by ``json_each``).

    ``column.in_(values)`` makes one parameter per value, and SQLAlchemy expands the list
    into the statement each time it runs it: for the fold's batches of a thousand ratings
    that cost more than the statements themselves, and no two batches shared a compiled
    statement. Here the statement is the same whatever the values, so it compiles once.

    With ``key`` instead of ``values`` the parameter is named and left empty: a statement
    built once and kept (building the fold's was most of a small batch's work) is then run
    with ``{key: listed(dialect, values)}``."""
    value = None if key is not None else listed(dialect, values)
    if dialect == "postgresql":
        return column == any_(bindparam(key, value, type_=postgresql.ARRAY(column.type)))
    each = func.json_each(bindparam(key, value, type_=String)).table_valued("value")
    return column.in_(select(each.c.value).scalar_subquery())


def listed(dialect: str, values: Iterable):
    """The values of ``one_of``'s parameter as the dialect takes them."""
    if dialect == "postgresql":
        return list(values)
    return values.listed if isinstance(values, Values) else Values(values).listed


class Values(list):
    """A list given to ``one_of`` in many statements (a fold batch's rating ids): its SQLite
    form is worked out once, not once per statement. ``span``: the least and greatest of a
    second column of the same rows, when the caller knows them (a batch's moments, which
    tell PostgreSQL which partitions hold its ratings)."""

    span: tuple | None = None

    @property
    def listed(self) -> str:
        if getattr(self, "_listed", None) is None or self._length != len(self):
            # As the Uuid type stores them on SQLite: 32 hex digits.
            self._listed = json.dumps([v.hex if isinstance(v, uuid.UUID) else v for v in self])
            self._length = len(self)
        return self._listed


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
        immediate = bool(connection.get_execution_options().get("sqlite_immediate"))
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        # What begin_write needs to tell a reader it may end from a writer it must not.
        connection.info["sqlite_writer"] = immediate
        connection.info["sqlite_changes_at_begin"] = _total_changes(connection)


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


_database_keys: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def database_key(db_session: Session) -> str:
    """Which database a session works on, as a key for a per-process cache (one process may
    serve several databases: the tests do). An engine's URL would do, but hashing a URL
    renders it to a string every time, twice a rating; the string is kept per engine."""
    engine = db_session.get_bind().engine
    key = _database_keys.get(engine)
    if key is None:
        key = _database_keys[engine] = str(engine.url)
    return key


def begin_write(db_session: Session) -> Connection:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite); the
    session's connection, for a caller that writes on it directly.

    On SQLite a transaction that has only read so far (a view looked up the QR code first)
    is ended here and a writer begun: a deferred reader cannot safely become a writer, since
    once another worker has committed SQLite refuses the upgrade at once with SQLITE_BUSY,
    busy timeout or not — under load that was a 503 for every other rating."""
    connection = db_session.info.get(_CONNECTION)
    if connection is not None and _sqlite_reader_only(db_session, connection):
        db_session.commit()  # writes nothing: ends the read snapshot
        connection = None
    if connection is None:
        connection = db_session.connection(execution_options={"sqlite_immediate": True})
    return connection


def _sqlite_reader_only(db_session: Session, connection) -> bool:
    if connection.dialect.name != "sqlite" or connection.info.get("sqlite_writer", True):
        return False
    if db_session.new or db_session.dirty or db_session.deleted:
        return False
    return connection.info.get("sqlite_changes_at_begin") == _total_changes(connection)


# A session's transaction may be under way with no connection yet (adding or merging an
# object begins it): begin_write needs to know whether BEGIN has been sent.
_CONNECTION = "core.db.connection"


@event.listens_for(Session, "after_begin")
def _note_connection(db_session, _transaction, connection) -> None:
    db_session.info[_CONNECTION] = connection


@event.listens_for(Session, "after_transaction_end")
def _forget_connection(db_session, transaction) -> None:
    if transaction.parent is None:
        db_session.info.pop(_CONNECTION, None)


def _total_changes(connection) -> int:
    """Rows this SQLite connection has written since it opened."""
    return connection.connection.driver_connection.total_changes


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
